"""Actor mentions: who acts in the text.

Until the registry linker lands, actors are the named entities spaCy labels as people,
organisations and groups, grouped by their surface form and left unresolved.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from .spans import mention, slug, trim

LABEL_KIND = {"PERSON": "person", "ORG": "organisation", "NORP": "other"}


@Language.component("sitrep_actors", requires=["doc.ents"], assigns=["doc._.sitrep"])
def find_actors(doc: Doc) -> Doc:
    from . import records

    found: dict[str, dict] = {}
    for ent in doc.ents:
        if ent.label_ not in LABEL_KIND:
            continue
        span = trim(ent)
        key = slug(span.text)
        actor = found.setdefault(
            key,
            {"id": f"doc:{key}", "name": span.text, "kind": LABEL_KIND[ent.label_], "mentions": []},
        )
        actor["mentions"].append(mention(span))
    records(doc)["actors"] = list(found.values())
    return doc
