"""Algorithm names → classes. Neural is imported lazily so that torch loads only when asked for."""

from importlib import import_module
from importlib.util import find_spec

_ALGORITHMS = {
    "popularity": ("recommendations.engine.popularity", "Popularity"),
    "trending": ("recommendations.engine.popularity", "Trending"),
    "new_releases": ("recommendations.engine.popularity", "NewReleases"),
    "neural": ("recommendations.engine.neural", "Neural"),
    "content": ("recommendations.engine.content", "Content"),
    "ease": ("recommendations.engine.collaborative", "EASE"),
    "itemknn": ("recommendations.engine.collaborative", "ItemKNN"),
    "mf": ("recommendations.engine.collaborative", "ALS"),
    "hybrid": ("recommendations.engine.hybrid", "Hybrid"),
}

# Peers from the optional `implicit` package (pip install 'marquee[peers]'), listed only when installed.
if find_spec("implicit") is not None:
    _ALGORITHMS["implicit-als"] = ("recommendations.engine.peers", "ImplicitALS")
    _ALGORITHMS["implicit-bpr"] = ("recommendations.engine.peers", "ImplicitBPR")


def register(name: str, module: str, class_name: str) -> None:
    _ALGORITHMS[name] = (module, class_name)


def algorithm_names() -> list[str]:
    return sorted(_ALGORITHMS)


def get_algorithm(name: str):
    try:
        module, class_name = _ALGORITHMS[name]
    except KeyError:
        raise KeyError(f"unknown algorithm {name!r}; choose from {', '.join(algorithm_names())}") from None
    return getattr(import_module(module), class_name)
