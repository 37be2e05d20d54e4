"""Hand-written material for the demo catalogue: word pools per genre, course chains, names.

Everything is invented. Titles and synopses are composed from these pools by generate.py, so the
pools are written to combine well ("The Silent Orbit", "Letters from Valmont") rather than to be
complete. Keep entries short and free of real film or course titles.
"""

from dataclasses import dataclass, field

# --- Movies ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Genre:
    name: str
    description: str
    adjectives: tuple[str, ...]
    nouns: tuple[str, ...]
    places: tuple[str, ...]
    setups: tuple[str, ...]  # "<protagonist> <setup>."
    turns: tuple[str, ...]  # a second, self-contained sentence
    keywords: tuple[str, ...]
    moods: tuple[str, ...]
    minutes: tuple[int, int]
    weight: float = 1.0  # how common the genre is in the catalogue
    protagonists: tuple[str, ...] = ()  # replaces the generic PROTAGONISTS when set


GENRES: tuple[Genre, ...] = (
    Genre(
        "Drama",
        "Character-driven stories about people under pressure.",
        ("Quiet", "Long", "Borrowed", "Open", "Salt", "Paper", "Late", "Small", "Winter", "Unfinished"),
        ("House", "Harvest", "Letters", "Distance", "Inheritance", "Shoreline", "Kitchen", "Silence", "Season"),
        ("Valmont", "the Lowlands", "Harbour Street", "the North Road", "Saint-Roch", "Alder Creek"),
        (
            "returns home after twenty years to settle a debt nobody will name",
            "inherits a failing vineyard and the feud that comes with it",
            "is asked to care for an estranged father after a fall",
            "loses a job of thirty years and starts over at a roadside diner",
            "finds a box of letters that rewrites the family's history",
        ),
        (
            "Over one long summer, old loyalties are tested and quietly remade.",
            "What follows is a tender, unhurried portrait of forgiveness.",
            "Nobody is a villain here, which is exactly what makes it hurt.",
        ),
        ("family", "grief", "small town", "coming home", "secrets"),
        ("Melancholic", "Thought-provoking", "Heartwarming"),
        (95, 150),
        1.6,
    ),
    Genre(
        "Comedy",
        "Films made to make you laugh.",
        ("Perfect", "Terrible", "Accidental", "Lucky", "Very Important", "Wrong", "Big", "Second-Best"),
        ("Wedding", "Weekend", "Plan", "Inheritance", "Road Trip", "Dinner Party", "Job", "Neighbours"),
        ("Brighton", "the Suburbs", "Lake Wanda", "Costa Brava", "the Office", "Camp Pinecone"),
        (
            "accidentally books two weddings on the same afternoon",
            "pretends to be a famous chef to impress a new landlord",
            "wins a holiday for two and has nobody to take",
            "is mistaken for a consultant and put in charge of a failing theme park",
            "agrees to house-sit for a neighbour with forty-three cats",
        ),
        (
            "Every lie makes the next one bigger, and the family dinner is on Sunday.",
            "It goes wrong in ways nobody could have planned, and then it goes worse.",
            "A warm, fast comedy about getting exactly what you did not ask for.",
        ),
        ("wedding", "mistaken identity", "road trip", "workplace", "neighbours"),
        ("Feel-good", "Quirky", "Uplifting"),
        (85, 115),
        1.5,
    ),
    Genre(
        "Thriller",
        "Suspense, danger and a clock that keeps ticking.",
        ("Silent", "Cold", "Blind", "Final", "Hidden", "Narrow", "Black", "Zero"),
        ("Witness", "Signal", "Hour", "Protocol", "Frequency", "Contract", "Exit", "Tide"),
        ("Platform Nine", "the Border", "Harlow Bridge", "Station Eleven", "the Embassy", "Kessel Point"),
        (
            "overhears a phone call that was never meant to be heard",
            "wakes up in a hotel room with another person's passport",
            "agrees to deliver a sealed envelope across the border",
            "notices the same stranger on three different trains",
            "is the only witness to a crime that officially never happened",
        ),
        (
            "What begins as a favour becomes a race against a clock nobody else can see.",
            "Trust nobody, least of all the people trying to help.",
            "By midnight, there will be one version of the truth left standing.",
        ),
        ("conspiracy", "chase", "surveillance", "double cross", "hostage"),
        ("Tense", "Dark", "Gritty"),
        (95, 130),
        1.3,
    ),
    Genre(
        "Science Fiction",
        "Futures, other worlds and the questions they raise.",
        ("Distant", "Hollow", "Last", "Pale", "Endless", "Ninth", "Broken", "Silent"),
        ("Orbit", "Colony", "Horizon", "Echo", "Archive", "Meridian", "Lattice", "Signal", "Drift"),
        ("Kepler Station", "the Outer Ring", "Europa", "New Meridian", "the Dust Belt", "Tycho"),
        (
            "receives a message from a colony that went silent a century ago",
            "discovers that the station's AI has been rewriting the crew logs",
            "is woken from cryosleep forty years too early",
            "finds a door in the desert that opens onto yesterday",
            "is sent to negotiate with a planet that answers only in mathematics",
        ),
        (
            "The answer is stranger than anyone on Earth was prepared to hear.",
            "Every decision echoes across the centuries that follow.",
            "A thoughtful, eerie voyage about what makes us human.",
        ),
        ("space", "time travel", "artificial intelligence", "first contact", "dystopia"),
        ("Thought-provoking", "Tense", "Dark"),
        (100, 160),
        1.2,
    ),
    Genre(
        "Romance",
        "Love stories, in all their complicated forms.",
        ("Summer", "Second", "Secret", "Golden", "Sudden", "Sweet", "Lost", "Midnight"),
        ("Chance", "Letters", "Promise", "Harbour", "Waltz", "Garden", "Crossing", "Serenade"),
        ("Lisbon", "the Riviera", "Kyoto", "Rue Mouffetard", "Vermont", "the Old Port"),
        (
            "keeps missing the same stranger on the morning ferry",
            "agrees to a fake engagement to save the family bakery",
            "falls for the rival architect bidding on the same old theatre",
            "answers a decades-old letter left in a library book",
            "meets a first love again at a wedding neither wanted to attend",
        ),
        (
            "Some second chances arrive exactly on time.",
            "A bittersweet, sunlit story about timing and the courage to stay.",
            "Falling in love was never part of the plan.",
        ),
        ("first love", "second chance", "wedding", "long distance", "letters"),
        ("Heartwarming", "Feel-good", "Melancholic"),
        (90, 125),
        1.0,
    ),
    Genre(
        "Horror",
        "Fear, dread and things that go bump in the night.",
        ("Hollow", "Crooked", "Black", "Pale", "Rotten", "Whispering", "Sleeping"),
        ("House", "Woods", "Hunger", "Well", "Choir", "Lantern", "Caller", "Attic"),
        ("Blackmoor", "Cedar Lake", "the Old Mill", "Ravenhill", "Hollow Pines"),
        (
            "moves into a farmhouse where the clocks all stop at 3:12",
            "leads a student film crew into woods the locals refuse to name",
            "starts receiving voicemails from a number disconnected years ago",
            "restores an antique doll that was better left broken",
            "takes a night job at a hospital that closed in 1974",
        ),
        (
            "Something has been waiting for them, and it is very patient.",
            "Whatever you do, do not answer when it calls your name.",
            "A slow-burning nightmare that refuses to look away.",
        ),
        ("haunted house", "possession", "folk horror", "creature", "cabin in the woods"),
        ("Dark", "Tense", "Gritty"),
        (85, 110),
        0.9,
    ),
    Genre(
        "Documentary",
        "True stories, told by the people who lived them.",
        ("Hidden", "Forgotten", "Wild", "Living", "Secret", "Endless", "Deep"),
        ("Rivers", "Archive", "Orchestra", "Kingdom", "Frontier", "Harvest", "Voices", "Currents"),
        ("the Arctic", "the Andes", "the Deep Sea", "the Amazon", "the Steppe", "Our Cities"),
        (
            "follows a team of volunteers racing to save a disappearing wetland",
            "spends a year inside a school orchestra in a mining town",
            "traces a single cup of coffee from seed to city",
            "joins the scientists counting whales in the North Atlantic",
            "revisits the engineers who built a bridge everyone said was impossible",
        ),
        (
            "Shot over four years, it is a patient, surprising portrait of persistence.",
            "The result is as urgent as it is beautiful.",
            "It will change the way you look at an ordinary morning.",
        ),
        ("nature", "based on a true story", "music", "climate", "history"),
        ("Thought-provoking", "Uplifting", "Heartwarming"),
        (70, 110),
        0.9,
        ("this documentary", "a first-time director", "a veteran camera crew", "the film"),
    ),
    Genre(
        "Animation",
        "Animated films for children and grown-ups alike.",
        ("Little", "Brave", "Clockwork", "Paper", "Tiny", "Marvellous", "Wandering"),
        ("Fox", "Lantern", "Kingdom", "Robot", "Balloon", "Dragon", "Island", "Teapot"),
        ("Cloudtop", "the Moon", "Puddle Lane", "Whisker Hollow", "the Toy Shop"),
        (
            "sets out to return a lost star to the sky",
            "builds a robot out of kitchen parts to win the village fair",
            "befriends a shy dragon who is afraid of fire",
            "shrinks to the size of a button the night before the big move",
            "must find the missing colours of the seasons",
        ),
        (
            "A gentle, funny adventure for anyone who has ever felt too small.",
            "Bright, brave and full of heart.",
            "The whole family will be humming the songs for weeks.",
        ),
        ("friendship", "talking animals", "musical", "magic", "coming of age"),
        ("Whimsical", "Feel-good", "Heartwarming"),
        (75, 100),
        0.9,
        ("a young fox", "a clockwork mouse", "a curious girl", "a lonely lighthouse robot", "a brave hedgehog"),
    ),
    Genre(
        "Adventure",
        "Journeys, quests and faraway places.",
        ("Lost", "Golden", "Wild", "Sunken", "Forbidden", "Great", "Far"),
        ("Expedition", "Compass", "Map", "Voyage", "Crossing", "Summit", "Treasure", "Passage"),
        ("the Atlas Mountains", "the Spice Coast", "Skull Reef", "the Silk Road", "Patagonia"),
        (
            "finds a grandfather's map hidden in the lining of an old coat",
            "joins a mismatched crew sailing for an island that is not on any chart",
            "must cross a desert with a camel that refuses to cooperate",
            "is hired to guide a stubborn botanist to the top of an unclimbed peak",
        ),
        (
            "The real treasure, of course, is not where anyone expected.",
            "An old-fashioned adventure with sand in its boots.",
            "Every mile takes them further from the people they used to be.",
        ),
        ("treasure hunt", "expedition", "sea voyage", "mountains", "quest"),
        ("Uplifting", "Feel-good", "Tense"),
        (100, 140),
        1.0,
    ),
    Genre(
        "Crime",
        "Heists, detectives and the people caught between them.",
        ("Dirty", "Perfect", "Quiet", "Stolen", "Bad", "Long", "Cold"),
        ("Job", "Alibi", "Money", "Score", "Confession", "Ledger", "Heist", "Verdict"),
        ("Eastside", "Marseille", "the Docks", "Union Square", "Precinct Six"),
        (
            "plans one last job with a crew that has not spoken in ten years",
            "reopens a cold case that the whole department wants kept closed",
            "launders money for a bakery that sells very little bread",
            "defends a client who insists on pleading guilty to a crime he did not commit",
        ),
        (
            "Everyone has an angle, and the plan starts unravelling by lunchtime.",
            "A sharp, stylish crime story with a conscience.",
            "The truth is buried deeper than the money.",
        ),
        ("heist", "detective", "organized crime", "courtroom", "police"),
        ("Gritty", "Tense", "Dark"),
        (100, 145),
        1.1,
    ),
    Genre(
        "Fantasy",
        "Magic, myths and worlds that never were.",
        ("Iron", "Shadow", "Emerald", "Ninth", "Silver", "Ashen", "Hidden"),
        ("Crown", "Throne", "Spellbook", "Oath", "Grove", "Sword", "Tower", "Gate"),
        ("Eldmoor", "the Glass Isles", "Thornwall", "the Sunken Court", "Varn"),
        (
            "discovers a strange gift for hearing the thoughts of trees",
            "is the last apprentice of a wizard who forgot to teach anything useful",
            "steals a crown that whispers the names of its former owners",
            "must escort a captured dragon across a kingdom at war",
        ),
        (
            "Magic always has a price, and this time it is due.",
            "An epic tale of loyalty, betrayal and very old promises.",
            "Legends are only stories, until they come to collect.",
        ),
        ("magic", "dragons", "quest", "prophecy", "kingdom"),
        ("Whimsical", "Dark", "Uplifting"),
        (105, 160),
        0.9,
    ),
    Genre(
        "Mystery",
        "Puzzles, clues and whodunits.",
        ("Locked", "Vanishing", "Crimson", "Missing", "Seventh", "Curious", "Painted"),
        ("Room", "Guest", "Key", "Portrait", "Manuscript", "Affair", "Clock", "Inheritance"),
        ("Thornfield Hall", "the Orient Line", "Little Wexham", "the Grand Hotel", "Ashcombe"),
        (
            "investigates the disappearance of a novelist from a locked study",
            "is invited to a country house where every guest has a motive",
            "finds a painting that changes slightly every night",
            "receives a crossword whose answers describe a murder yet to happen",
        ),
        (
            "Seven suspects, one storm and a butler who knows far too much.",
            "Every clue points somewhere different, and the house keeps its secrets.",
            "A clever, old-fashioned puzzle with a wicked final twist.",
        ),
        ("whodunit", "detective", "country house", "twist ending", "amateur sleuth"),
        ("Thought-provoking", "Tense", "Quirky"),
        (95, 130),
        0.9,
    ),
    Genre(
        "Action",
        "Chases, fights and high stakes.",
        ("Maximum", "Rogue", "Steel", "Critical", "Rapid", "Red", "Zero"),
        ("Impact", "Pursuit", "Strike", "Velocity", "Extraction", "Override", "Countdown"),
        ("Sector Seven", "the Pacific", "Neo Osaka", "the Canyon", "Skyline"),
        (
            "is the only one who can stop a hijacked train before it reaches the capital",
            "comes out of retirement to rescue a former partner",
            "is framed after a mission goes catastrophically wrong",
            "races across three continents to recover a stolen prototype",
        ),
        (
            "No backup, no second chances, no time to lose.",
            "Relentless, loud and tremendously fun.",
            "The countdown has already started.",
        ),
        ("chase", "martial arts", "rescue", "explosions", "spy"),
        ("Tense", "Gritty", "Uplifting"),
        (100, 135),
        1.2,
    ),
    Genre(
        "Family",
        "Stories the whole household can watch together.",
        ("Great", "Best", "Big", "Secret", "Summer", "Magic"),
        ("Treehouse", "Holiday", "Puppy", "Science Fair", "Camp", "Adventure", "Snow Day"),
        ("Maple Street", "Grandma's Farm", "the Lake House", "Pine Ridge"),
        (
            "has one week to find a home for a litter of runaway puppies",
            "turns the family garage into a rocket workshop",
            "goes looking for the legendary fish of Lake Minnow",
            "must win back the championship trophy for a team of misfits",
        ),
        (
            "A big-hearted comedy about growing up and sticking together.",
            "Bring snacks: the whole family will want to watch it twice.",
            "Funny, warm and just a little bit silly.",
        ),
        ("friendship", "pets", "sports", "holiday", "coming of age"),
        ("Feel-good", "Heartwarming", "Whimsical"),
        (80, 105),
        0.8,
    ),
    Genre(
        "War",
        "Soldiers, civilians and the cost of conflict.",
        ("Long", "Last", "Burning", "Winter", "Iron", "Silent"),
        ("Front", "Line", "Battalion", "Crossing", "Ridge", "Convoy", "Armistice"),
        ("the Somme", "Hill 203", "the Ardennes", "the River Crossing", "Leningrad"),
        (
            "leads a small unit behind enemy lines to deliver a message of surrender",
            "hides a family of refugees in the cellar of a village bakery",
            "is a field medic on the last day of the war",
            "flies reconnaissance missions over a front that moves every night",
        ),
        (
            "Courage is measured in hours, not medals.",
            "An unflinching, humane film about the people history forgets.",
            "The war is ending, but not fast enough.",
        ),
        ("world war", "survival", "resistance", "soldiers", "history"),
        ("Gritty", "Dark", "Thought-provoking"),
        (110, 165),
        0.6,
    ),
    Genre(
        "Western",
        "Frontier towns, outlaws and open skies.",
        ("Dry", "Long", "Red", "Lonesome", "Dusty", "High"),
        ("Creek", "Mesa", "Reckoning", "Gulch", "Saddle", "Trail", "Bounty"),
        ("Tombstone Flats", "Dry Fork", "the Rio Bravo", "Coyote Pass"),
        (
            "rides into a frontier town where the sheriff has been missing for a month",
            "drives a herd of cattle across a drought-stricken territory",
            "is hired to track an outlaw who turns out to be family",
        ),
        (
            "Out here, the law is whoever is still standing at sundown.",
            "A dusty, elegiac western about the end of an era.",
            "Every trail leads back to the same old debt.",
        ),
        ("frontier", "outlaws", "revenge", "bounty hunter", "desert"),
        ("Gritty", "Melancholic", "Tense"),
        (100, 140),
        0.5,
    ),
)

# Which genres a movie may have as its second genre (a documentary western reads as a mistake).
GENRE_PAIRS: dict[str, tuple[str, ...]] = {
    "Drama": ("Romance", "Crime", "War", "Comedy", "Mystery"),
    "Comedy": ("Romance", "Family", "Drama", "Action", "Adventure"),
    "Thriller": ("Crime", "Mystery", "Action", "Science Fiction", "Horror"),
    "Science Fiction": ("Action", "Thriller", "Adventure", "Horror", "Drama"),
    "Romance": ("Drama", "Comedy", "Fantasy"),
    "Horror": ("Thriller", "Mystery", "Comedy"),
    "Documentary": (),
    "Animation": ("Family", "Comedy", "Adventure", "Fantasy"),
    "Adventure": ("Action", "Fantasy", "Family", "Comedy"),
    "Crime": ("Thriller", "Drama", "Mystery", "Comedy"),
    "Fantasy": ("Adventure", "Animation", "Romance"),
    "Mystery": ("Crime", "Thriller", "Comedy"),
    "Action": ("Thriller", "Adventure", "Science Fiction", "Crime"),
    "Family": ("Animation", "Comedy", "Adventure"),
    "War": ("Drama", "Action"),
    "Western": ("Action", "Drama", "Adventure"),
}

MOOD_DESCRIPTIONS: dict[str, str] = {
    "Feel-good": "Leaves you happier than you started.",
    "Dark": "Bleak, unsettling or morally murky.",
    "Tense": "Edge-of-your-seat suspense.",
    "Thought-provoking": "Ideas that stay with you afterwards.",
    "Whimsical": "Playful, imaginative and a little odd.",
    "Heartwarming": "Tender stories about people who care.",
    "Melancholic": "Bittersweet and reflective.",
    "Uplifting": "Hopeful and inspiring.",
    "Gritty": "Raw, realistic and rough around the edges.",
    "Quirky": "Offbeat characters and unexpected humour.",
}

PROTAGONISTS: tuple[str, ...] = (
    "a retired cartographer",
    "a night-shift nurse",
    "a disgraced chef",
    "a young mechanic",
    "an ageing jazz pianist",
    "a small-town librarian",
    "a rookie detective",
    "a widowed beekeeper",
    "a teenage runaway",
    "a former boxer",
    "an ambitious architect",
    "a court translator",
    "a ferry captain",
    "a stubborn grandmother",
    "a struggling playwright",
    "a lighthouse keeper",
    "a marine biologist",
    "a substitute teacher",
    "a reformed forger",
    "a shy radio host",
    "an overworked paramedic",
    "a travelling salesman",
)

CHARACTER_NAMES: tuple[str, ...] = (
    "Ada", "Bram", "Celia", "Dario", "Elin", "Felix", "Greta", "Hugo", "Ines", "Jonas", "Kasia", "Leon",
    "Mara", "Nico", "Odile", "Pablo", "Quinn", "Rosa", "Soren", "Tilde", "Ugo", "Vera", "Wim", "Yara", "Zeno",
)  # fmt: skip

# People's names are built from these; combinations are invented (any match with a real person is chance).
FIRST_NAMES: tuple[str, ...] = (
    "Amara", "Anouk", "Bastien", "Beatriz", "Callum", "Chiara", "Dmitri", "Elif", "Emeka", "Farah", "Gideon",
    "Hana", "Idris", "Ilse", "Jasper", "Joaquim", "Keiko", "Lars", "Leila", "Lucien", "Maeve", "Marisol",
    "Matteo", "Nadia", "Niamh", "Oskar", "Paloma", "Priya", "Rafael", "Renata", "Rowan", "Sakura", "Silas",
    "Solveig", "Tariq", "Thea", "Tomasz", "Valentina", "Wren", "Xavier", "Yusuf", "Zofia", "Ines", "Kenji",
    "Margot", "Aurelio", "Signe", "Daniela", "Hamish", "Lorenzo",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Abernathy", "Achterberg", "Baptiste", "Bellweather", "Castellano", "Dunmore", "Eskildsen", "Fairbanks",
    "Galloway", "Hargreave", "Ishikawa", "Jovanovic", "Kowalczyk", "Lindqvist", "Marchetti", "Nakamura",
    "Okonkwo", "Pellegrini", "Quennell", "Rademacher", "Sandoval", "Thornbury", "Underhill", "Valdivia",
    "Whitcombe", "Yilmaz", "Zielinski", "Moreau", "Oyelaran", "Halvorsen", "Carvalho", "Delacroix-Ng",
    "Ferreira", "Brannigan", "Takeda", "Vasquez-Holt", "Aldridge", "Mbeki-Laurent", "Strand", "Kaur",
)  # fmt: skip

# Mostly English, like most catalogues; the rest show the language facet of the title page.
LANGUAGES: tuple[tuple[str, float], ...] = (
    ("en", 0.66),
    ("fr", 0.09),
    ("es", 0.08),
    ("de", 0.06),
    ("ja", 0.06),
    ("pt-BR", 0.05),
)

# --- Courses ---------------------------------------------------------------------------------

CATEGORIES: dict[str, str] = {
    "Programming": "Writing software, from first scripts to production systems.",
    "Data Science": "Working with data: statistics, analysis, databases and machine learning.",
    "Design": "Designing for people: research, interfaces and type.",
    "Business": "Running products, teams and money.",
    "Languages": "Learning to speak, read and think in another language.",
    "Music": "Playing, understanding and producing music.",
    "Photography & Video": "Making pictures that move people.",
    "Personal Development": "Skills for work and life.",
}


@dataclass(frozen=True)
class Topic:
    name: str
    category: str
    skills: tuple[str, ...]
    outcomes: tuple[str, ...]  # "You'll <outcome>, <outcome> and <outcome>."


TOPICS: tuple[Topic, ...] = (
    Topic(
        "Python",
        "Programming",
        ("Python", "Debugging", "Testing", "Automation"),
        (
            "write and run your first scripts",
            "work confidently with lists and dictionaries",
            "read and write files",
            "test your code with pytest",
            "automate a boring weekly chore",
            "structure a program into modules and classes",
        ),
    ),
    Topic(
        "Web Development",
        "Programming",
        ("HTML", "CSS", "JavaScript", "Accessibility"),
        (
            "build a responsive page from scratch",
            "lay out anything with flexbox and grid",
            "handle forms and events in the browser",
            "make your pages work with a keyboard and a screen reader",
            "deploy a small site",
        ),
    ),
    Topic(
        "Data Analysis",
        "Data Science",
        ("pandas", "Data cleaning", "Data visualization", "Spreadsheets"),
        (
            "load, clean and reshape messy tables",
            "answer questions with group-by and joins",
            "draw charts that tell the truth",
            "turn an analysis into a short report",
        ),
    ),
    Topic(
        "Statistics",
        "Data Science",
        ("Probability", "Hypothesis testing", "Regression", "Experiment design"),
        (
            "reason about uncertainty without formulas getting in the way",
            "design and read an A/B test",
            "fit and interpret a regression",
            "spot a misleading average",
        ),
    ),
    Topic(
        "Machine Learning",
        "Data Science",
        ("Regression", "Classification", "Neural networks", "Model evaluation"),
        (
            "train and evaluate a classifier",
            "avoid leaking the test set",
            "tune hyper-parameters honestly",
            "build a small neural network",
            "explain what a model learned",
        ),
    ),
    Topic(
        "Databases",
        "Data Science",
        ("SQL", "Data modelling", "Query optimisation"),
        (
            "write queries with joins and aggregates",
            "design tables that will not haunt you later",
            "read a query plan",
            "add the right index",
        ),
    ),
    Topic(
        "UX Design",
        "Design",
        ("User research", "Prototyping", "Usability testing", "Accessibility"),
        (
            "run a five-person usability test",
            "turn interviews into insights",
            "prototype a flow in an afternoon",
            "design for people who use assistive technology",
        ),
    ),
    Topic(
        "Typography",
        "Design",
        ("Typography", "Layout"),
        ("pair typefaces with confidence", "set comfortable body text", "build a type scale"),
    ),
    Topic(
        "Illustration",
        "Design",
        ("Drawing", "Colour theory"),
        ("sketch with confidence", "build a limited palette", "finish an illustration for print"),
    ),
    Topic(
        "Marketing",
        "Business",
        ("Copywriting", "Analytics", "Branding"),
        ("write a clear value proposition", "measure what a campaign really did", "plan a launch"),
    ),
    Topic(
        "Finance",
        "Business",
        ("Budgeting", "Accounting", "Investing"),
        ("build a budget you will keep", "read a balance sheet", "compare investments on cost and risk"),
    ),
    Topic(
        "Product Management",
        "Business",
        ("Prioritisation", "Roadmapping", "Stakeholder management"),
        ("write a one-page product brief", "prioritise a backlog", "say no without making enemies"),
    ),
    Topic(
        "Spanish",
        "Languages",
        ("Spanish", "Conversation", "Listening"),
        ("order food and ask for directions", "talk about your week", "follow a film without subtitles"),
    ),
    Topic(
        "French",
        "Languages",
        ("French", "Conversation", "Grammar"),
        ("introduce yourself", "master the past tenses", "write a short letter"),
    ),
    Topic(
        "Japanese",
        "Languages",
        ("Japanese", "Reading", "Conversation"),
        ("read hiragana and katakana", "handle everyday situations", "learn your first hundred kanji"),
    ),
    Topic(
        "Guitar",
        "Music",
        ("Guitar", "Rhythm"),
        ("play your first chords", "keep time with a metronome", "learn a fingerpicking pattern"),
    ),
    Topic(
        "Music Theory",
        "Music",
        ("Harmony", "Ear training", "Reading music"),
        ("read notation", "hear intervals", "build chord progressions"),
    ),
    Topic(
        "Music Production",
        "Music",
        ("Mixing", "Sound design", "Recording"),
        ("record clean vocals at home", "mix a song that translates", "design your own synth sounds"),
    ),
    Topic(
        "Photography",
        "Photography & Video",
        ("Photography", "Lighting", "Composition", "Photo editing"),
        ("understand exposure", "shape light with one lamp", "compose stronger frames", "edit a consistent set"),
    ),
    Topic(
        "Video Editing",
        "Photography & Video",
        ("Video editing", "Storytelling", "Colour grading"),
        ("cut a story from raw footage", "grade for mood", "mix dialogue and music"),
    ),
    Topic(
        "Public Speaking",
        "Personal Development",
        ("Public speaking", "Storytelling"),
        ("structure a talk", "calm your nerves", "handle hard questions"),
    ),
    Topic(
        "Productivity",
        "Personal Development",
        ("Time management", "Focus"),
        ("plan a realistic week", "protect deep-work time", "run shorter meetings"),
    ),
    Topic(
        "Writing",
        "Personal Development",
        ("Writing", "Editing"),
        ("write clear emails", "edit your own drafts", "finish a personal essay"),
    ),
)


@dataclass(frozen=True)
class CourseSeed:
    """A hand-written course. `requires` names other seeds' keys (the prerequisite chains)."""

    key: str
    title: str
    topic: str
    level: str
    requires: tuple[str, ...] = field(default=())


# Chains first: generate.py keeps whole chains when the demo is scaled down.
COURSE_SEEDS: tuple[CourseSeed, ...] = (
    CourseSeed("py1", "Python Basics: Your First Programs", "Python", "beginner"),
    CourseSeed("py2", "Intermediate Python: Functions, Classes and Tests", "Python", "intermediate", ("py1",)),
    CourseSeed("da1", "Data Analysis with pandas", "Data Analysis", "intermediate", ("py2",)),
    CourseSeed("st1", "Statistics Without Tears", "Statistics", "beginner"),
    CourseSeed("ml1", "Machine Learning Fundamentals", "Machine Learning", "intermediate", ("da1", "st1")),
    CourseSeed("ml2", "Deep Learning from Scratch", "Machine Learning", "advanced", ("ml1",)),
    CourseSeed("ml3", "Recommender Systems in Practice", "Machine Learning", "advanced", ("ml1",)),
    CourseSeed("st2", "Applied Statistics and Experiment Design", "Statistics", "intermediate", ("st1",)),
    CourseSeed("web1", "HTML and CSS from the Ground Up", "Web Development", "beginner"),
    CourseSeed("web2", "JavaScript Essentials", "Web Development", "intermediate", ("web1",)),
    CourseSeed("web3", "Modern Front-End with Components", "Web Development", "advanced", ("web2",)),
    CourseSeed("ux1", "Introduction to UX Research", "UX Design", "beginner"),
    CourseSeed("ux2", "Prototyping and Usability Testing", "UX Design", "intermediate", ("ux1",)),
    CourseSeed("ux3", "Accessible Interface Design", "UX Design", "intermediate", ("ux1", "web1")),
    CourseSeed("sql1", "SQL for Everyone", "Databases", "beginner"),
    CourseSeed("sql2", "Database Design and Modelling", "Databases", "intermediate", ("sql1",)),
    CourseSeed("sql3", "Query Performance Tuning", "Databases", "advanced", ("sql2",)),
    CourseSeed("es1", "Spanish for Travellers (A1)", "Spanish", "beginner"),
    CourseSeed("es2", "Everyday Spanish Conversation (A2)", "Spanish", "intermediate", ("es1",)),
    CourseSeed("es3", "Spanish Through Film (B1)", "Spanish", "advanced", ("es2",)),
    CourseSeed("fr1", "French in Thirty Days (A1)", "French", "beginner"),
    CourseSeed("fr2", "French Grammar Made Clear (A2)", "French", "intermediate", ("fr1",)),
    CourseSeed("ja1", "Japanese Kana and First Phrases", "Japanese", "beginner"),
    CourseSeed("ja2", "Japanese for Daily Life", "Japanese", "intermediate", ("ja1",)),
    CourseSeed("gt1", "Guitar for Absolute Beginners", "Guitar", "beginner"),
    CourseSeed("gt2", "Fingerstyle Guitar", "Guitar", "intermediate", ("gt1",)),
    CourseSeed("mt1", "Music Theory I: Scales and Chords", "Music Theory", "beginner"),
    CourseSeed("mt2", "Music Theory II: Harmony and Voice Leading", "Music Theory", "intermediate", ("mt1",)),
    CourseSeed("mp1", "Home Studio Music Production", "Music Production", "intermediate", ("mt1",)),
    CourseSeed("ph1", "Photography Basics: Light and Exposure", "Photography", "beginner"),
    CourseSeed("ph2", "Portrait Lighting with One Lamp", "Photography", "intermediate", ("ph1",)),
    CourseSeed("ph3", "Street Photography Projects", "Photography", "intermediate", ("ph1",)),
    CourseSeed("mk1", "Marketing Foundations", "Marketing", "beginner"),
    CourseSeed("mk2", "Digital Marketing Analytics", "Marketing", "intermediate", ("mk1",)),
    CourseSeed("fi1", "Personal Finance Basics", "Finance", "beginner"),
    CourseSeed("fi2", "Reading Financial Statements", "Finance", "intermediate", ("fi1",)),
    CourseSeed("pm1", "Product Management 101", "Product Management", "beginner"),
    CourseSeed("pm2", "Roadmaps and Prioritisation", "Product Management", "intermediate", ("pm1",)),
    CourseSeed("ty1", "Typography Essentials", "Typography", "beginner"),
    CourseSeed("ps1", "Speak with Confidence", "Public Speaking", "beginner"),
)

# Templates for the courses generated to fill the catalogue beyond the seeds: (pattern, level).
COURSE_TITLE_PATTERNS: tuple[tuple[str, str], ...] = (
    ("A Gentle Introduction to {topic}", "beginner"),
    ("{topic} for Busy Professionals", "beginner"),
    ("{topic} for Career Changers", "beginner"),
    ("Weekend Workshop: {topic}", "beginner"),
    ("Practical {topic}", "intermediate"),
    ("{topic} in Ten Projects", "intermediate"),
    ("{topic}: Tips and Techniques", "intermediate"),
    ("{topic} for Creative People", "beginner"),
    ("{topic} Masterclass", "advanced"),
    ("Advanced {topic} Studio", "advanced"),
)

COURSE_INTROS: tuple[str, ...] = (
    "A hands-on {topic} course built around short exercises and real examples.",
    "A friendly, structured path into {topic} for people who learn by doing.",
    "A compact {topic} course that respects your time.",
    "A project-based {topic} course with feedback at every step.",
)

PROVIDERS: tuple[str, ...] = (
    "Open Campus",
    "Northbridge Academy",
    "Lumen Learning Lab",
    "Studio Atlas",
    "Kestrel Institute",
    "Harbour School of Craft",
)

OCCUPATIONS: tuple[str, ...] = (
    "student", "engineer", "educator", "programmer", "artist", "writer", "healthcare", "administrator",
    "librarian", "technician", "marketing", "entertainment", "retired", "scientist", "executive", "lawyer",
    "salesman", "homemaker", "doctor", "other",
)  # fmt: skip
