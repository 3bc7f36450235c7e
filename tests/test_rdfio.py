from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from mcgraph.errors import RDFSyntaxError, UnsafeInput, UsageError
from mcgraph.rdfio import parse_bytes, parse_file

G = ox.NamedNode("https://example.org/g")


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
def test_every_supported_format_parses_into_the_target_graph(tmp_path: Path, suffix: str, text: str) -> None:
    path = tmp_path / f"data{suffix}"
    path.write_text(text)
    quads = parse_file(path, G)
    assert [(q.subject.value, q.object.value, q.graph_name) for q in quads] == [("http://example.org/a", "x", G)]


def test_syntax_error_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.ttl"
    path.write_text('@prefix ex: <http://example.org/> .\nex:a ex:p ex:b .\nex:a ex:p "unterminated .\n')
    with pytest.raises(RDFSyntaxError) as caught:
        parse_file(path)
    error = caught.value
    assert (error.file, error.line, error.column) == (str(path), 3, 11)
    assert str(error).startswith(f"{path}:3:11: ")


def test_undefined_prefix_is_located(tmp_path: Path) -> None:
    path = tmp_path / "prefix.ttl"
    path.write_text('@prefix ex: <http://example.org/> .\n\nex:a nope:p ex:b .\n')
    with pytest.raises(RDFSyntaxError) as caught:
        parse_file(path)
    assert caught.value.line == 3


def test_rdfxml_with_doctype_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "entities.rdf"
    path.write_text('<?xml version="1.0"?>\n<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>\n')
    with pytest.raises(UnsafeInput, match="DOCTYPE"):
        parse_file(path)


def test_jsonld_remote_context_is_not_fetched() -> None:
    doc = b'{"@context": "http://127.0.0.1:9/context.jsonld", "@id": "http://example.org/a", "name": "x"}'
    with pytest.raises(RDFSyntaxError, match="remote context"):
        parse_bytes(doc, ox.RdfFormat.JSON_LD, "upload.jsonld")


def test_unknown_extension_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a,b\n")
    with pytest.raises(UsageError, match="unknown RDF file extension"):
        parse_file(path)


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such file"):
        parse_file(tmp_path / "absent.ttl")
