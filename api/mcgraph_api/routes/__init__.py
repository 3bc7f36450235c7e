"""One router per kind of client: SPARQL protocol, graph store, JSON resources, IRI dereferencing, meta."""
