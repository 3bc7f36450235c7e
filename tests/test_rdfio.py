from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from mcgraph.errors import RDFSyntaxError, UnsafeInput, UsageError
from mcgraph.rdfio import format_for, load_into, parse_bytes, parse_file

G = ox.NamedNode("https://example.org/g")


def bulk_loaded(path: Path, graph: ox.NamedNode | None = None) -> list[ox.Quad]:
    """The loader submissions go through: a bulk load into an in-memory store."""
    staging = ox.Store()
    load_into(staging, path, format_for(path), str(path), graph, base_iri=path.resolve().as_uri())
    return list(staging)


Reader = Callable[..., list[ox.Quad]]
READERS = pytest.mark.parametrize("read", [parse_file, bulk_loaded], ids=["parse", "bulk-load"])


@pytest.mark.parametrize("suffix,text", [
    (".ttl", '@prefix ex: <http://example.org/> . ex:a ex:p "x" .'),
    (".nt", '<http://example.org/a> <http://example.org/p> "x" .\n'),
    (".nq", '<http://example.org/a> <http://example.org/p> "x" .\n'),
    (".trig", '@prefix ex: <http://example.org/> . { ex:a ex:p "x" . }'),
    (".jsonld", '{"@id": "http://example.org/a", "http://example.org/p": "x"}'),
    (".rdf", '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
             'xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/a">'
             '<ex:p>x</ex:p></rdf:Description></rdf:RDF>'),
])
@READERS
def test_every_supported_format_parses_into_the_target_graph(tmp_path: Path, suffix: str, text: str,
                                                             read: Reader) -> None:
    path = tmp_path / f"data{suffix}"
    path.write_text(text)
    quads = read(path, G)
    assert [(q.subject.value, q.object.value, q.graph_name) for q in quads] == [("http://example.org/a", "x", G)]


@READERS
def test_syntax_error_names_file_line_and_column(tmp_path: Path, read: Reader) -> None:
    path = tmp_path / "broken.ttl"
    path.write_text('@prefix ex: <http://example.org/> .\nex:a ex:p ex:b .\nex:a ex:p "unterminated .\n')
    with pytest.raises(RDFSyntaxError) as caught:
        read(path)
    error = caught.value
    assert (error.file, error.line, error.column) == (str(path), 3, 11)
    assert str(error).startswith(f"{path}:3:11: ")


@READERS
def test_undefined_prefix_is_located(tmp_path: Path, read: Reader) -> None:
    path = tmp_path / "prefix.ttl"
    path.write_text('@prefix ex: <http://example.org/> .\n\nex:a nope:p ex:b .\n')
    with pytest.raises(RDFSyntaxError) as caught:
        read(path)
    assert caught.value.line == 3


@READERS
def test_rdfxml_with_doctype_is_refused_before_parsing(tmp_path: Path, read: Reader) -> None:
    path = tmp_path / "entities.rdf"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n')
    with pytest.raises(UnsafeInput, match="DOCTYPE"):
        read(path)


def test_jsonld_remote_context_is_not_fetched() -> None:
    doc = b'{"@context": "http://127.0.0.1:9/context.jsonld", "@id": "http://example.org/a", "name": "x"}'
    with pytest.raises(RDFSyntaxError, match="remote context"):
        parse_bytes(doc, ox.RdfFormat.JSON_LD, "upload.jsonld")


@READERS
def test_unknown_extension_is_a_usage_error(tmp_path: Path, read: Reader) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a,b\n")
    with pytest.raises(UsageError, match="unknown RDF file extension"):
        read(path)


@READERS
def test_missing_file_is_a_usage_error(tmp_path: Path, read: Reader) -> None:
    with pytest.raises(UsageError, match="no such file"):
        read(tmp_path / "absent.ttl")
