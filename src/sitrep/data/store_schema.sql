-- The sitrep store (DuckDB), schema version 1.
--
-- A new database is created from this file; an older one is brought up to date by the numbered
-- files in migrations/ (see store/db.py). Change both together: this file is always the result of
-- applying every migration, and SCHEMA_VERSION in store/db.py names the last one.
--
-- Documents are keyed by id (sha256 of the normalised body). Actors and places are shared across
-- documents by their registry and gazetteer ids; everything a document says about them (mentions,
-- roles, confidence) lives in the *_mentions tables, keyed by document. Child rows carry
-- document_id so that one document's rows are written, and could be removed, together.

CREATE TABLE schema_version (
    version     INTEGER NOT NULL,
    applied_at  TIMESTAMP NOT NULL DEFAULT current_timestamp
);

CREATE TABLE documents (
    id             VARCHAR PRIMARY KEY,
    seq            BIGINT NOT NULL,      -- ingest order: first writer of a shared actor/place wins
    title          VARCHAR,
    authors        VARCHAR[],
    published      VARCHAR,              -- as the reader gave it (ISO date, or raw text)
    published_date DATE,                 -- its date part, for --since/--until
    source         VARCHAR,
    url            VARCHAR,
    language       VARCHAR,
    text           VARCHAR NOT NULL,
    origin         VARCHAR,
    metadata       JSON,
    outlet         VARCHAR NOT NULL,     -- who published it: the key of independent sources
    version        INTEGER NOT NULL,     -- 1, 2, ... among documents with the same url
    previous_id    VARCHAR,              -- the version this one replaced
    superseded_by  VARCHAR,              -- the version that replaced this one (NULL: current)
    report         JSON NOT NULL,        -- the Report without document.text: lossless JSONL export
    ingested_at    TIMESTAMP NOT NULL
);
CREATE INDEX documents_url ON documents (url);

CREATE TABLE actors (
    id        VARCHAR PRIMARY KEY,       -- registry id, or doc:<slug>
    name      VARCHAR NOT NULL,
    kind      VARCHAR NOT NULL,
    country   VARCHAR,
    sector    VARCHAR,
    wikidata  VARCHAR,
    linked    BOOLEAN NOT NULL
);

-- One row per mention; an actor a document lists without a mention gets one row with NULL span.
CREATE TABLE actor_mentions (
    document_id  VARCHAR NOT NULL,
    actor_id     VARCHAR NOT NULL,
    "start"      INTEGER,
    "end"        INTEGER,
    text         VARCHAR,
    role         VARCHAR
);
CREATE INDEX actor_mentions_actor ON actor_mentions (actor_id);
CREATE INDEX actor_mentions_document ON actor_mentions (document_id);

CREATE TABLE places (
    id           VARCHAR PRIMARY KEY,    -- gazetteer id, or doc:<slug>
    name         VARCHAR NOT NULL,
    lat          DOUBLE,
    lon          DOUBLE,
    country      VARCHAR,                -- ISO 3166-1 alpha-2
    admin1       VARCHAR,
    feature      VARCHAR NOT NULL,
    geonames_id  BIGINT
);

CREATE TABLE place_mentions (
    document_id  VARCHAR NOT NULL,
    place_id     VARCHAR NOT NULL,
    "start"      INTEGER,
    "end"        INTEGER,
    text         VARCHAR,
    confidence   DOUBLE NOT NULL
);
CREATE INDEX place_mentions_place ON place_mentions (place_id);
CREATE INDEX place_mentions_document ON place_mentions (document_id);

-- Reports of the same event in several documents share a group; every report keeps its row.
CREATE TABLE event_groups (
    id            VARCHAR PRIMARY KEY,   -- the uid of its first report
    type          VARCHAR NOT NULL,
    actor_key     VARCHAR NOT NULL,      -- sorted source ids | sorted target ids
    modality_key  VARCHAR NOT NULL,      -- 'factual', or the non-factual modality
    place_id      VARCHAR,
    lat           DOUBLE,
    lon           DOUBLE,
    date          DATE,
    n_reports     INTEGER NOT NULL,
    n_documents   INTEGER NOT NULL,
    n_sources     INTEGER NOT NULL,      -- distinct outlets: the corroboration
    first_date    DATE,
    last_date     DATE
);
CREATE INDEX event_groups_key ON event_groups (type, actor_key, modality_key);

CREATE TABLE events (
    uid                   VARCHAR PRIMARY KEY,  -- <first 16 hex of document id>/<event id>
    document_id           VARCHAR NOT NULL,
    id                    VARCHAR NOT NULL,     -- as in the Report
    group_id              VARCHAR NOT NULL,
    type                  VARCHAR NOT NULL,
    mode                  VARCHAR,
    place_id              VARCHAR,
    lat                   DOUBLE,               -- the place's, copied: radius filters need no join
    lon                   DOUBLE,
    date                  DATE,                 -- the event's date, else the publication date
    date_text             VARCHAR,              -- Event.date as extracted
    date_precision        VARCHAR NOT NULL,
    modality              VARCHAR NOT NULL,
    factual               BOOLEAN NOT NULL,     -- modality is asserted or reported
    attributed_to         VARCHAR NOT NULL,
    confidence            DOUBLE NOT NULL,
    acled_event_type      VARCHAR,
    acled_sub_event_type  VARCHAR,
    evidence_start        INTEGER NOT NULL,
    evidence_end          INTEGER NOT NULL,
    evidence_text         VARCHAR NOT NULL
);
CREATE INDEX events_document ON events (document_id);
CREATE INDEX events_group ON events (group_id);
CREATE INDEX events_type ON events (type);
CREATE INDEX events_date ON events (date);

CREATE TABLE event_actors (
    event_uid  VARCHAR NOT NULL,
    role       VARCHAR NOT NULL,         -- 'source' or 'target'
    position   INTEGER NOT NULL,
    actor_id   VARCHAR NOT NULL
);
CREATE INDEX event_actors_event ON event_actors (event_uid);
CREATE INDEX event_actors_actor ON event_actors (actor_id);

CREATE TABLE quotes (
    document_id   VARCHAR NOT NULL,
    id            VARCHAR NOT NULL,
    text          VARCHAR NOT NULL,
    "start"       INTEGER NOT NULL,
    "end"         INTEGER NOT NULL,
    kind          VARCHAR NOT NULL,
    speaker       VARCHAR,               -- actor id
    speaker_text  VARCHAR,
    cue           VARCHAR,
    PRIMARY KEY (document_id, id)
);
CREATE INDEX quotes_speaker ON quotes (speaker);

CREATE TABLE claims (
    document_id      VARCHAR NOT NULL,
    id               VARCHAR NOT NULL,
    text             VARCHAR NOT NULL,
    "start"          INTEGER NOT NULL,
    "end"            INTEGER NOT NULL,
    checkworthiness  DOUBLE NOT NULL,
    kinds            VARCHAR[] NOT NULL,
    attributed_to    VARCHAR NOT NULL,
    PRIMARY KEY (document_id, id)
);
CREATE INDEX claims_attributed ON claims (attributed_to);

CREATE TABLE techniques (
    document_id  VARCHAR NOT NULL,
    id           VARCHAR NOT NULL,
    technique    VARCHAR NOT NULL,
    "start"      INTEGER NOT NULL,
    "end"        INTEGER NOT NULL,
    text         VARCHAR NOT NULL,
    confidence   DOUBLE NOT NULL,
    PRIMARY KEY (document_id, id)
);
