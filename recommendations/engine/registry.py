"""Algorithm names → classes. Neural is imported lazily so that torch loads only when asked for."""

from importlib import import_module

_ALGORITHMS = {
    "popularity": ("recommendations.engine.popularity", "Popularity"),
    "trending": ("recommendations.engine.popularity", "Trending"),
    "new_releases": ("recommendations.engine.popularity", "NewReleases"),
    "content": ("recommendations.engine.content", "Content"),
    "ease": ("recommendations.engine.collaborative", "EASE"),
    "itemknn": ("recommendations.engine.collaborative", "ItemKNN"),
    "mf": ("recommendations.engine.collaborative", "ALS"),
}


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
