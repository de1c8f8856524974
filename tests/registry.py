"""Find the factory of every tenant-owned model, so isolation tests cover new models without being edited."""

from __future__ import annotations

import importlib
import pkgutil

from factory.django import DjangoModelFactory

import tests


def model_factories() -> dict[type, type[DjangoModelFactory]]:
    found: dict[type, type[DjangoModelFactory]] = {}
    for module_info in pkgutil.walk_packages(tests.__path__, prefix="tests."):
        if not module_info.name.endswith(".factories"):
            continue
        module = importlib.import_module(module_info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, DjangoModelFactory) and value is not DjangoModelFactory:
                model = value._meta.model
                if model is not None and not value._meta.abstract:
                    found.setdefault(model, value)
    return found
