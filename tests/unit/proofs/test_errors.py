"""Every exception class of ``proofs/`` derives from ``ProofsError``, as the tree in ``proofs/errors.py``'s
docstring says (the modules are walked, so a new module or class is checked without a change here)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import proofs
from proofs import errors
from proofs.errors import ProofsError

# Outside the tree on purpose (proofs/errors.py says why): a broken installation, and a private signal.
OUTSIDE = {"proofs.jsonld.loader.ContextIntegrityError", "proofs.rdf._Unsupported"}


def exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(proofs.__path__, "proofs."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseException) and value.__module__ == info.name:
                found[f"{info.name}.{name}"] = value
    return found


def documented_tree() -> dict[str, str]:
    """Class name -> its parent's name, read from the tree in the docstring."""
    doc = errors.__doc__ or ""
    parents: dict[str, str] = {}
    stack = ["ProofsError"]
    for line in doc.splitlines():
        m = re.match(r"\s*((?:│   |    )*)[├└]── (\w+)", line)
        if m is None:
            continue
        depth = len(m[1]) // 4
        del stack[depth + 1 :]
        parents[m[2]] = stack[depth]
        stack.append(m[2])
    return parents


def test_every_exception_class_of_proofs_is_a_proofs_error() -> None:
    classes = exception_classes()
    assert len(classes) > 10
    outside = {path for path, cls in classes.items() if not issubclass(cls, ProofsError)}
    assert outside == OUTSIDE
    assert issubclass(ProofsError, ValueError)


def test_the_exceptions_outside_the_tree_are_not_value_errors() -> None:
    classes = exception_classes()
    for path in OUTSIDE:
        assert not issubclass(classes[path], ValueError), path


def test_the_docstring_tree_is_the_class_tree() -> None:
    classes = {
        cls.__name__: cls
        for path, cls in exception_classes().items()
        if path not in OUTSIDE and cls is not ProofsError
    }
    tree = documented_tree()
    assert set(tree) == set(classes)
    for name, parent in tree.items():
        assert classes[name].__bases__ == (classes.get(parent, ProofsError),), name
