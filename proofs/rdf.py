"""The RDF dataset of an expanded JSON-LD document, as quads of serialized canonical N-Quads terms.

JSON-LD 1.1 API §7.2 (node map) and §8.2 (deserialize to RDF) for an already expanded document: pyld's
node map merging and de-duplication (:class:`_NodeMap`, or pyld's own for named graphs and the like), the
triples of plain node references and strings written here, every other value through pyld's
``_object_to_rdf``. Terms are serialized once, in their RDFC-1.0 §4.2 canonical forms (``\\b`` and
``\\f`` as ECHARs and every other U+0000–U+001F and U+007F as an uppercase ``\\u00XX`` UCHAR; pyld 3.3
leaves those raw), so that :mod:`proofs.rdfc` only relabels blank nodes and sorts.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any

from pyld import jsonld
from pyld.identifier_issuer import IdentifierIssuer

from proofs.jsonld.fragments import Fragment

__all__ = [
    "FragmentRdf",
    "Quad",
    "dataset_of_expanded",
    "fragment_rdf",
    "quads_of_dataset",
    "quads_of_expanded",
]

_RAW_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ECHAR = {"\b": "\\b", "\f": "\\f"}

_XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_XSD_INTEGER = "http://www.w3.org/2001/XMLSchema#integer"
# Canonical N-Quads escaping of a literal's lexical form (RDFC-1.0 §4.2 / N-Quads STRING_LITERAL_QUOTE).
_LITERAL_ESCAPES = str.maketrans(
    {
        **{chr(c): f"\\u{c:04X}" for c in (*range(0x20), 0x7F)},
        "\b": "\\b",
        "\t": "\\t",
        "\n": "\\n",
        "\f": "\\f",
        "\r": "\\r",
        '"': '\\"',
        "\\": "\\\\",
    }
)
# RDF_SERIALIZATION_OPTIONS: what pyld's to_rdf passes down to _graph_to_rdf by default.
_TO_RDF_OPTIONS = {
    "base": "",
    "produceGeneralizedRdf": False,
    "extractAllScripts": True,
    "processingMode": "json-ld-1.1",
}


def _escape_char(match: re.Match[str]) -> str:
    ch = match.group(0)
    return _ECHAR.get(ch) or f"\\u{ord(ch):04X}"


def _escape_controls(text: str) -> str:
    """Escape the control characters pyld leaves raw in a serialized term."""
    return _RAW_CONTROL.sub(_escape_char, text)


def _has_blank_datatype(node: Any) -> bool:
    """A value object typed with a blank node: pyld's node map relabels it in place."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "@value" in item:
                datatype = item.get("@type")
                if isinstance(datatype, str) and datatype.startswith("_:"):
                    return True
            else:
                stack.extend(v for v in item.values() if isinstance(v, (list, dict)))
    return False


_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
Quad = tuple[str, str, str, str]  # subject, predicate, object, graph ("" = default graph): serialized terms


def _value_key(value: Any) -> Any:
    """What ``compare_values`` compares, as a hashable key (None for a JSON literal's object or array):
    a primitive (a bool apart from the number it equals), a value object's value, type, language and
    index, a node reference's ``@id``; an object with neither equals no other value."""
    if isinstance(value, dict):
        if "@value" in value:
            literal = value["@value"]
            if isinstance(literal, dict | list):
                return None
            tagged = ("bool", literal) if isinstance(literal, bool) else literal
            return ("value", value.get("@type"), value.get("@language"), value.get("@index"), tagged)
        node_id = value.get("@id")
        return ("id", node_id) if node_id is not None else ("object", id(value))
    return ("bool", value) if isinstance(value, bool) else ("primitive", value)


class _Unsupported(Exception):
    """The expanded document uses a feature that only pyld's node map handles here. A signal caught in
    :func:`quads_of_expanded`, never raised out of this module: not a :class:`~proofs.errors.ProofsError`."""


class _NodeMap:
    """JSON-LD 1.1 API §7.2 Node Map Generation: pyld's ``_create_node_map`` (same merging, same
    de-duplication through ``compare_values``) for documents without ``@included``, ``@reverse`` and
    ``@index``, and without blank-node datatypes; those raise :class:`_Unsupported`. Named graphs (``@graph``
    in a node: a VP's or a CLR's credentials) are mapped into ``graphs`` when it is given, and raise
    :class:`_Unsupported` otherwise."""

    def __init__(
        self,
        graph: dict[str, Any],
        issuer: IdentifierIssuer,
        skip: Mapping[int, Fragment] | None = None,
        graphs: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.graph = graph
        self.graphs = graphs  # the whole node map (graph name -> its nodes), where named graphs are mapped
        self.issuer = issuer
        # Memoized fragments (by the identity of their expanded node object): referenced, not visited.
        self.skip = skip
        self.used: list[Fragment] = []
        self.compare = jsonld.JsonLdProcessor.compare_values
        # The values each (node, property) holds, by what compare_values compares: de-duplicating in
        # constant time, where comparing with every value held is quadratic (pyld's way: 18 s of CPU for
        # a property with 2,000 values).
        # Keyed by the node object's identity: one IRI names a node in each graph it is described in.
        self.seen: dict[tuple[int, str], set[Any]] = {}

    def add(self, node: dict[str, Any], prop: str, value: Any) -> None:
        values = node.get(prop)
        if values is None:  # the first value (most properties have one): nothing to compare with
            node[prop] = [value]
            return
        key = _value_key(value)
        if key is None:  # a JSON literal: compared with each value held, as pyld does
            if not any(self.compare(value, v) for v in values):
                values.append(value)
            return
        seen_key = (id(node), prop)
        seen = self.seen.get(seen_key)
        if seen is None:  # the second value: the keys of those held, made now (a literal's is None)
            seen = self.seen[seen_key] = {k for k in map(_value_key, values) if k is not None}
        if key in seen:
            return
        seen.add(key)
        values.append(value)

    def visit(
        self, item: Any, subject: dict[str, Any] | None, prop: str | None, list_: list[Any] | None
    ) -> None:
        if type(item) is not dict and isinstance(item, list):
            for element in item:
                self.visit(element, subject, prop, list_)
            return
        if "@value" in item:
            datatype = item.get("@type")
            if isinstance(datatype, str) and datatype.startswith("_:"):
                raise _Unsupported
            if list_ is not None:
                list_.append(item)
            elif subject is not None and prop is not None:
                self.add(subject, prop, item)
            return
        if "@list" in item:
            cells: list[Any] = []
            self.visit(item["@list"], subject, prop, cells)
            wrapped = {"@list": cells}
            if list_ is not None:
                list_.append(wrapped)
            elif subject is not None and prop is not None:
                subject.setdefault(prop, []).append(wrapped)  # lists are never de-duplicated
            return
        node_id = item.get("@id")
        if node_id is None or node_id.startswith("_:"):
            node_id = self.issuer.get_id(node_id)
        node = self.graph.get(node_id)
        if node is None:
            node = self.graph[node_id] = {"@id": node_id}
        if prop is not None:
            reference = {"@id": node_id}
            if list_ is not None:
                list_.append(reference)
            elif subject is not None:
                self.add(subject, prop, reference)
        if self.skip is not None and (fragment := self.skip.get(id(item))) is not None:
            if fragment in self.used:  # twice in one document: its nodes would merge
                raise _Unsupported
            self.used.append(fragment)
            return
        for key, objects in item.items():
            if key == "@id":
                continue
            if key == "@type":
                for t in objects:
                    self.add(node, "@type", self.issuer.get_id(t) if t.startswith("_:") else t)
                continue
            if key == "@graph" and self.graphs is not None:
                # JSON-LD 1.1 API §7.2 step 6.9: the node names a graph of its own (pyld's flat map).
                inner = _NodeMap(self.graphs.setdefault(node_id, {}), self.issuer, None, self.graphs)
                inner.seen = self.seen
                inner.visit(objects, None, None, None)
                continue
            if key.startswith("@"):  # @included, @reverse, @index (and @graph without ``graphs``)
                raise _Unsupported
            if key.startswith("_:"):
                key = self.issuer.get_id(key)
            if not objects:
                node.setdefault(key, [])
                continue
            for element in objects:
                self.visit(element, node, key, None)


class FragmentRdf:
    """What a memoized fragment (:mod:`proofs.jsonld.fragments`) gives the RDF dataset: its quads (blank
    nodes labelled with the fragment's own prefix), the IRIs of its nodes that have properties, and the
    first-degree hashes of its blank nodes (RDFC-1.0 §4.6, filled in by :mod:`proofs.rdfc`)."""

    __slots__ = ("first_degree", "merged", "node_ids", "quads")

    def __init__(self, quads: list[Quad], node_ids: frozenset[str]) -> None:
        self.quads = quads
        self.node_ids = node_ids
        self.first_degree: dict[str, str] | None = None
        # Set when a document described one of its nodes too (a template whose achievement's creator is
        # the issuer, with other properties): the documents of one template are alike, so the next ones
        # are mapped whole straight away instead of twice.
        self.merged = False


def fragment_rdf(fragment: Fragment) -> FragmentRdf | None:
    """The fragment's RDF, made once (None when only pyld's node map could make it)."""
    with fragment.lock:
        if fragment.derived is None:
            issuer = IdentifierIssuer(fragment.prefix)
            graph: dict[str, Any] = {}
            try:
                _NodeMap(graph, issuer).visit(fragment.expanded, None, None, None)
            except _Unsupported:
                fragment.derived = False
            else:
                quads = _graph_quads({"@default": graph}, jsonld.JsonLdProcessor(), issuer)
                node_ids = frozenset(i for i, node in graph.items() if len(node) > 1 and i[:2] != "_:")
                fragment.derived = FragmentRdf(quads, node_ids)
    return fragment.derived or None


def quads_of_expanded(expanded: list[Any], fragments: Sequence[tuple[Any, Fragment]] = ()) -> list[Quad]:
    """JSON-LD 1.1 API §8.2 Deserialize JSON-LD to RDF, for an already expanded document.

    pyld's ``to_rdf`` minus its first step (expanding the input again, which costs as much as the
    rest together: the expanded form is a fixed point of expansion). The node map is :class:`_NodeMap`
    (pyld's merging and de-duplication) or, for named graphs and the like, pyld's own; the triples of
    plain node references and strings are written here, every other value goes through pyld's
    ``_object_to_rdf``. Blank node labels may differ from pyld's, which canonicalization does not see.

    ``fragments`` (from :func:`proofs.jsonld.expand_safe`): memoized node objects inside ``expanded``
    whose quads are taken from the memo instead of being made again.
    """
    return dataset_of_expanded(expanded, fragments)[0]


def dataset_of_expanded(
    expanded: list[Any], fragments: Sequence[tuple[Any, Fragment]] = ()
) -> tuple[list[Quad], list[FragmentRdf]]:
    """:func:`quads_of_expanded`, and the memoized fragments whose quads are among them.

    A fragment's quads stand for its part of the node map when none of its nodes with properties is
    also a node with properties elsewhere in the document (there the node map would merge the two):
    otherwise, and whenever one fragment occurs twice, the whole document is mapped as without them.
    """
    if fragments:
        skip: dict[int, Fragment] = {}
        rdfs: dict[int, FragmentRdf] = {}
        for obj, fragment in fragments:
            rdf = fragment_rdf(fragment)
            if rdf is None or rdf.merged:
                break
            skip[id(obj)] = fragment
            rdfs[id(fragment)] = rdf
        else:
            made = _dataset_with(expanded, skip, rdfs)
            if made is not None:
                return made
    return _dataset(expanded), []


def _dataset_with(
    expanded: list[Any], skip: Mapping[int, Fragment], rdfs: Mapping[int, FragmentRdf]
) -> tuple[list[Quad], list[FragmentRdf]] | None:
    """The dataset with the quads of the memoized fragments; None where they cannot stand in."""
    issuer = IdentifierIssuer("_:b")
    graph: dict[str, Any] = {}
    mapper = _NodeMap(graph, issuer, skip)
    try:
        mapper.visit(expanded, None, None, None)
    except _Unsupported:
        return None
    used = [rdfs[id(fragment)] for fragment in mapper.used]
    for rdf in used:
        for node_id in rdf.node_ids:
            node = graph.get(node_id)
            if node is not None and len(node) > 1:  # described here too: the node map would merge
                rdf.merged = True
                return None
    quads = _graph_quads({"@default": graph}, jsonld.JsonLdProcessor(), issuer)
    for rdf in used:
        quads.extend(rdf.quads)
    return quads, used


def _dataset(expanded: list[Any]) -> list[Quad]:
    processor = jsonld.JsonLdProcessor()
    issuer = IdentifierIssuer("_:b")
    node_map: dict[str, Any] = {"@default": {}}
    try:
        _NodeMap(node_map["@default"], issuer, None, node_map).visit(expanded, None, None, None)
    except _Unsupported:
        issuer = IdentifierIssuer("_:b")
        node_map = {"@default": {}}
        if _has_blank_datatype(expanded):
            expanded = copy.deepcopy(expanded)
        processor._create_node_map(expanded, node_map, "@default", issuer)
    return _graph_quads(node_map, processor, issuer)


def _graph_quads(node_map: Mapping[str, Any], processor: Any, issuer: IdentifierIssuer) -> list[Quad]:
    terms = _Terms()
    node_term = terms.node
    quads: list[Quad] = []
    for graph_name, graph in node_map.items():
        if graph_name == "@default":
            g = ""
        else:
            named = node_term(graph_name)
            if named is None:
                continue
            g = named
        for subject, node in graph.items():
            s = node_term(subject)
            if s is None:
                continue
            for prop, items in node.items():
                if prop == "@type":
                    p = _RDF_TYPE_TERM
                elif prop[:1] == "@" or prop.startswith("_:"):
                    # Keywords carry no triples; blank node predicates only belong to generalized RDF.
                    continue
                else:
                    p = node_term(prop)  # type: ignore[assignment]
                    if p is None:
                        continue
                for item in items:
                    o = _object_term(item, terms, processor, issuer, quads, g)
                    if o is not None:
                        quads.append((s, p, o, g))
    return quads


_MISSING = object()
# pyld's _is_absolute_iri, compiled once.
_ABSOLUTE_IRI = re.compile(r"^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$")
_RDF_TYPE_TERM = f"<{_RDF_TYPE}>"


def _raw_escaped(value: str) -> str:
    # pyld writes IRIs, labels, datatypes and language tags raw; control characters in them get the
    # UCHAR form, as the former line-wise escaping of pyld's output gave them.
    return _escape_controls(value) if _RAW_CONTROL.search(value) else value


# IRI -> serialized term (None: relative). A pure function of the string, so shared by all calls.
_NODE_TERMS: dict[str, str | None] = {}
_MAX_NODE_TERMS = 65536


class _Terms:
    """Serialized N-Quads terms (RDFC-1.0 §4.2 canonical forms)."""

    @staticmethod
    def node(value: str) -> str | None:
        """An IRI or blank node term; None for a relative IRI (skipped, as pyld's to_rdf does)."""
        term = _NODE_TERMS.get(value, _MISSING)
        if term is _MISSING:
            if not _ABSOLUTE_IRI.match(value):
                term = None
            elif value.startswith("_:"):
                term = _raw_escaped(value)
            else:
                term = f"<{_raw_escaped(value)}>"
            if len(_NODE_TERMS) >= _MAX_NODE_TERMS:
                _NODE_TERMS.clear()
            _NODE_TERMS[value] = term
        return term  # type: ignore[return-value]

    def object_node(self, value: str) -> str | None:
        # An object blank node is written whatever its label; only IRIs must be absolute.
        if value.startswith("_:"):
            return _raw_escaped(value)
        return self.node(value)


def _literal(value: str, datatype: str, language: str | None = None) -> str:
    text = f'"{value.translate(_LITERAL_ESCAPES)}"'
    if datatype == _RDF_LANGSTRING:
        return f"{text}@{_raw_escaped(language)}" if language else text
    if datatype != _XSD_STRING:
        return f"{text}^^<{_raw_escaped(datatype)}>"
    return text


def _object_term(
    item: Any,
    terms: _Terms,
    processor: Any,
    issuer: IdentifierIssuer,
    quads: list[Quad],
    g: str,
) -> str | None:
    if type(item) is str:  # an @type value
        return terms.object_node(item)
    if type(item) is dict:
        if len(item) == 1 and "@id" in item:
            return terms.object_node(item["@id"])
        value: Any = item.get("@value")
        kind: type[Any] = type(value)
        if len(item) == 1 or (len(item) == 2 and "@type" in item):
            datatype = item.get("@type")
            # pyld's _object_to_rdf for a string, a boolean and an integer below 1e21 (not as xsd:double).
            if datatype != "@json":
                if kind is str:
                    if datatype != _XSD_DOUBLE:
                        return _literal(value, datatype or _XSD_STRING)
                elif kind is bool:
                    return _literal("true" if value else "false", datatype or _XSD_BOOLEAN)
                elif kind is int and datatype != _XSD_DOUBLE and abs(value) < 10**21:
                    return _literal(str(value), datatype or _XSD_INTEGER)
        elif kind is str and len(item) == 2 and "@language" in item:
            return _literal(value, _RDF_LANGSTRING, item["@language"])
    # Everything else (floats, @json, other value objects, lists) the way pyld does it.
    triples: list[dict[str, Any]] = []
    obj = processor._object_to_rdf(item, issuer, triples, _TO_RDF_OPTIONS)
    for triple in triples:  # the cells of an RDF list
        quads.append((_term(triple["subject"]), _term(triple["predicate"]), _term(triple["object"]), g))
    return None if obj is None else _term(obj)


def _term(component: Mapping[str, Any]) -> str:
    """A term of pyld's RDF dataset, serialized."""
    kind = component["type"]
    value: str = component["value"]
    if kind == "literal":
        return _literal(value, component["datatype"], component.get("language"))
    value = _raw_escaped(value)
    return f"<{value}>" if kind == "IRI" else value


def quads_of_dataset(dataset: Mapping[str, list[dict[str, Any]]]) -> list[Quad]:
    quads = []
    for graph_name, triples in dataset.items():
        if graph_name == "@default":
            g = ""
        else:
            g = _term({"type": "blank node" if graph_name.startswith("_:") else "IRI", "value": graph_name})
        for triple in triples:
            quads.append((_term(triple["subject"]), _term(triple["predicate"]), _term(triple["object"]), g))
    return quads
