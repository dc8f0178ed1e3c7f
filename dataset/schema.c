/*
 * schema.c - the catalog's schema, as numbered migrations.
 *
 * This file is the documentation of the data: every table and column says
 * what it holds. Migrations are append-only: migration N takes a catalog from
 * PRAGMA user_version N-1 to N inside one transaction, and never drops or
 * rewrites data a user has. To change the schema, append a migration; never
 * edit one that has shipped.
 *
 * A new SQLite catalog is not taken through every migration: it is created
 * from the schema they end with, which the build makes by running them
 * (dataset/tools/schema_dump.c, into schema_current.c). Replaying them
 * created tables only to rebuild them and took four fifths of a new
 * catalog's start. A catalog at any older version migrates step by step.
 *
 * Times are integer milliseconds since the Unix epoch (UTC). Booleans are 0/1.
 * Free-form structured values (headers, reasons) are JSON text.
 *
 * PostgreSQL runs the same migrations with the same tables, columns and
 * constraints. Its column types come from SQLite's by catalog_pg_schema_sql
 * (INTEGER -> BIGINT, "id INTEGER PRIMARY KEY" -> an identity column, BLOB ->
 * BYTEA, REAL -> DOUBLE PRECISION); where SQLite's text does not run there
 * (a table rebuilt to change a constraint) the migration has a PostgreSQL
 * text of its own, beside the SQLite one. The version is kept in the table
 * clearset_schema there (catalog.c), as SQLite keeps it in user_version.
 */
#include "dataset/dataset_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char migration_1[] =
    /* -- Hosts: one row per origin the crawler has met, with its robots.txt
     *    cache and its politeness state. */
    "CREATE TABLE hosts (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  origin TEXT NOT NULL UNIQUE,          -- scheme://host[:port], normalised, no path\n"
    "  robots_status INTEGER,                -- HTTP status of the last robots.txt fetch;\n"
    "                                        -- 0 = unreachable; NULL = never fetched\n"
    "  robots_body BLOB,                     -- robots.txt as fetched (first 500 KiB)\n"
    "  robots_fetched_at INTEGER,            -- when robots.txt was fetched\n"
    "  robots_expires_at INTEGER,            -- cache end (fetched_at + 24 h, RFC 9309 2.4)\n"
    "  crawl_delay_ms INTEGER,               -- Crawl-delay for clearsetbot, if any\n"
    "  tdmrep_status INTEGER,                -- status of /.well-known/tdmrep.json; NULL = not "
    "fetched\n"
    "  tdmrep_body BLOB,                     -- tdmrep.json as fetched\n"
    "  ai_txt_status INTEGER,                -- status of /ai.txt; NULL = not fetched\n"
    "  ai_txt_body BLOB,                     -- ai.txt as fetched\n"
    "  next_fetch_at INTEGER NOT NULL DEFAULT 0, -- earliest time of the next request "
    "(politeness)\n"
    "  paused_until INTEGER NOT NULL DEFAULT 0,  -- Retry-After / back-off pause end\n"
    "  consecutive_errors INTEGER NOT NULL DEFAULT 0, -- errors since the last success\n"
    "  parked INTEGER NOT NULL DEFAULT 0,    -- 1 = keeps failing; no more requests this crawl\n"
    "  first_seen_at INTEGER NOT NULL\n"
    ");\n"

    /* -- URLs: the frontier and the record of every URL met. */
    "CREATE TABLE urls (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  url TEXT NOT NULL UNIQUE,             -- normalised absolute URL (RFC 3986)\n"
    "  host_id INTEGER NOT NULL REFERENCES hosts(id),\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('page','image','robots','tdmrep','ai_txt')),\n"
    "  state TEXT NOT NULL DEFAULT 'queued'\n"
    "    CHECK (state IN ('queued','in_flight','done','failed','disallowed','skipped')),\n"
    "                                        -- queued: waiting; in_flight: being fetched\n"
    "                                        -- (reset to queued on resume); done: fetched;\n"
    "                                        -- failed: gave up; disallowed: robots said no;\n"
    "                                        -- skipped: out of scope or over a limit\n"
    "  depth INTEGER NOT NULL DEFAULT 0,     -- links from the nearest seed\n"
    "  referrer_id INTEGER REFERENCES urls(id), -- the page it was found on (NULL for seeds)\n"
    "  attempts INTEGER NOT NULL DEFAULT 0,  -- fetch attempts so far\n"
    "  next_attempt_at INTEGER NOT NULL DEFAULT 0, -- not before this time (retries)\n"
    "  last_error TEXT,                      -- why the last attempt failed or was skipped\n"
    "  discovered_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX urls_by_state ON urls(state, host_id, next_attempt_at);\n"
    "CREATE INDEX urls_by_host ON urls(host_id);\n"

    /* -- Fetches: one row per HTTP exchange, successful or not. */
    "CREATE TABLE fetches (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  url_id INTEGER NOT NULL REFERENCES urls(id),\n"
    "  started_at INTEGER NOT NULL,\n"
    "  elapsed_ms INTEGER,                   -- request start to last byte\n"
    "  http_status INTEGER,                  -- NULL when no response arrived\n"
    "  final_url TEXT,                       -- after redirects, if any\n"
    "  redirects INTEGER NOT NULL DEFAULT 0,\n"
    "  content_type TEXT,                    -- as the server declared it\n"
    "  body_bytes INTEGER,                   -- decoded body size kept\n"
    "  headers TEXT,                         -- JSON array of [name, value] pairs as received\n"
    "  error_code TEXT,                      -- short machine code: timeout, too_large, ...\n"
    "  error TEXT                            -- the message for a person\n"
    ");\n"
    "CREATE INDEX fetches_by_url ON fetches(url_id);\n"

    /* -- Pages: HTML documents fetched, with what matters for rights. */
    "CREATE TABLE pages (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  url_id INTEGER NOT NULL UNIQUE REFERENCES urls(id),\n"
    "  fetch_id INTEGER REFERENCES fetches(id),\n"
    "  title TEXT,\n"
    "  base_url TEXT,                        -- <base href>, resolved; NULL if absent\n"
    "  meta_robots TEXT,                     -- concatenated meta robots contents\n"
    "  page_license TEXT,                    -- page-wide licence URL or text, if any\n"
    "  fetched_at INTEGER NOT NULL\n"
    ");\n"

    /* -- Images: distinct image contents, addressed by SHA-256. */
    "CREATE TABLE images (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  sha256 TEXT NOT NULL UNIQUE,          -- 64 lower-case hex digits of the bytes\n"
    "  blob_path TEXT NOT NULL,              -- relative to the blob store: ab/cdef...\n"
    "  media_type TEXT NOT NULL,             -- sniffed from the bytes: image/jpeg, ...\n"
    "  byte_size INTEGER NOT NULL,\n"
    "  width INTEGER,                        -- from the file header\n"
    "  height INTEGER,\n"
    "  source TEXT NOT NULL DEFAULT 'crawl', -- crawl | import | protected\n"
    "  first_seen_at INTEGER NOT NULL\n"
    ");\n"

    /* -- Image URLs: which URLs served which image contents. */
    "CREATE TABLE image_urls (\n"
    "  url_id INTEGER NOT NULL REFERENCES urls(id),\n"
    "  image_id INTEGER NOT NULL REFERENCES images(id),\n"
    "  fetch_id INTEGER REFERENCES fetches(id),\n"
    "  PRIMARY KEY (url_id, image_id)\n"
    ");\n"
    "CREATE INDEX image_urls_by_image ON image_urls(image_id);\n"

    /* -- Sightings: a page showed an image, with the page-side rights context. */
    "CREATE TABLE sightings (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  page_id INTEGER NOT NULL REFERENCES pages(id),\n"
    "  image_url_id INTEGER NOT NULL REFERENCES urls(id),\n"
    "  image_id INTEGER REFERENCES images(id), -- NULL until the image is fetched\n"
    "  element TEXT,                         -- img | picture | source | link | json-ld\n"
    "  alt TEXT,\n"
    "  caption TEXT,                         -- figcaption text\n"
    "  license_url TEXT,                     -- page-side licence for this image, if any\n"
    "  license_scope TEXT,                   -- rdfa-about | figure | json-ld | page\n"
    "  attribution_name TEXT,\n"
    "  attribution_url TEXT,\n"
    "  UNIQUE (page_id, image_url_id)\n"
    ");\n"
    "CREATE INDEX sightings_by_image ON sightings(image_id);\n"

    /* -- Rights evidence: each licence or rights statement found for an image. */
    "CREATE TABLE rights_evidence (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  image_id INTEGER NOT NULL REFERENCES images(id),\n"
    "  page_id INTEGER REFERENCES pages(id), -- NULL for evidence embedded in the file\n"
    "  origin TEXT NOT NULL,                 -- xmp | iptc | exif | rel-license | json-ld |\n"
    "                                        -- microdata | meta | policy-file\n"
    "  field TEXT NOT NULL,                  -- where exactly: XMP-cc:License, "
    "IPTC:CopyrightNotice\n"
    "  raw_value TEXT NOT NULL,              -- the value as found\n"
    "  license_spdx TEXT,                    -- normalised SPDX id (or LicenseRef-...), if any\n"
    "  license_url TEXT,                     -- canonical licence URL, if any\n"
    "  rights_claim TEXT,                    -- all-rights-reserved | copyright | public-domain | "
    "NULL\n"
    "  confidence TEXT NOT NULL DEFAULT 'high', -- high | medium | low (page-wide, free text)\n"
    "  attribution_name TEXT,\n"
    "  attribution_url TEXT,\n"
    "  title TEXT,\n"
    "  creator TEXT,\n"
    "  found_at TEXT,                        -- URL of the page or image it came from\n"
    "  recorded_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX rights_evidence_by_image ON rights_evidence(image_id);\n"

    /* -- Opt-out signals: every machine-readable AI / TDM reservation seen. */
    "CREATE TABLE optout_signals (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  scope TEXT NOT NULL CHECK (scope IN ('host','page','image','url')),\n"
    "  host_id INTEGER REFERENCES hosts(id),\n"
    "  url_id INTEGER REFERENCES urls(id),   -- the page or image URL it applies to\n"
    "  image_id INTEGER REFERENCES images(id),\n"
    "  kind TEXT NOT NULL,                   -- x-robots-tag | meta-robots | tdm-header | tdm-meta "
    "|\n"
    "                                        -- tdmrep-json | content-signal | content-usage |\n"
    "                                        -- ai-txt | ai-crawler-rule | http-402 |\n"
    "                                        -- crawler-price | iptc-data-mining | c2pa-training\n"
    "  raw_value TEXT NOT NULL,              -- the directive as found\n"
    "  effect TEXT NOT NULL CHECK (effect IN ('opt-out','permit','none')),\n"
    "  found_at TEXT NOT NULL,               -- URL (or header name at URL) where it was found\n"
    "  recorded_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE INDEX optout_by_url ON optout_signals(url_id);\n"
    "CREATE INDEX optout_by_image ON optout_signals(image_id);\n"
    "CREATE INDEX optout_by_host ON optout_signals(host_id);\n"

    /* -- Hashes: perceptual and exact hashes of each image. */
    "CREATE TABLE hashes (\n"
    "  image_id INTEGER PRIMARY KEY REFERENCES images(id),\n"
    "  pdq TEXT NOT NULL,                    -- 64 hex digits, as Meta's reference prints\n"
    "  pdq_quality INTEGER NOT NULL,         -- 0..100; below 50 not trusted for near matches\n"
    "  phash TEXT NOT NULL,                  -- 16 hex digits\n"
    "  width INTEGER NOT NULL,               -- decoded (after orientation)\n"
    "  height INTEGER NOT NULL,\n"
    "  computed_at INTEGER NOT NULL\n"
    ");\n"

    /* -- Clusters: groups of exact or near duplicates, from `clearset dedup`. */
    "CREATE TABLE clusters (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('exact','near')),\n"
    "  threshold INTEGER NOT NULL,           -- PDQ distance used (0 for exact)\n"
    "  license_conflict INTEGER NOT NULL DEFAULT 0, -- 1 = members' rights evidence disagrees\n"
    "  conflict_reason TEXT,                 -- which members and which licences disagree\n"
    "  created_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE cluster_members (\n"
    "  cluster_id INTEGER NOT NULL REFERENCES clusters(id) ON DELETE CASCADE,\n"
    "  image_id INTEGER NOT NULL REFERENCES images(id),\n"
    "  distance INTEGER NOT NULL,            -- PDQ distance to the cluster's first member\n"
    "  PRIMARY KEY (cluster_id, image_id)\n"
    ");\n"
    "CREATE INDEX cluster_members_by_image ON cluster_members(image_id);\n"

    /* -- Verdicts: the clearance decision per image and policy, with reasons. */
    "CREATE TABLE verdicts (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  image_id INTEGER NOT NULL REFERENCES images(id),\n"
    "  policy TEXT NOT NULL,                 -- strict | open | research | path of a policy file\n"
    "  verdict TEXT NOT NULL CHECK (verdict IN ('cleared','blocked','unknown')),\n"
    "  license_spdx TEXT,                    -- the licence the verdict rests on, if any\n"
    "  attribution TEXT,                     -- JSON: what attribution to give and its source\n"
    "  reasons TEXT NOT NULL,                -- JSON array of {rule, detail, evidence ids}\n"
    "  decided_at INTEGER NOT NULL,\n"
    "  UNIQUE (image_id, policy)\n"
    ");\n";

/* -- 2: the page-side licence of a sighting also as its SPDX id, so the evidence
 *    rows made from sightings carry one (dedup compares SPDX ids). Rows from
 *    version 1 keep NULL: clearance re-normalises license_url anyway. */
static const char migration_2[] = "ALTER TABLE sightings ADD COLUMN license_spdx TEXT; -- SPDX id "
                                  "of license_url, if it names one\n";

/* -- 3: every page-side statement about an image, not only the strongest.
 *    A page can say two things about one image (rel=license CC BY and a JSON-LD
 *    copyrightNotice "All rights reserved"); clearance must see both to let
 *    the most restrictive win. sightings.license_url stays the strongest one,
 *    as a summary. Rows already made from sightings are carried over under the
 *    same field ("sighting:<scope>") so they are not copied twice. */
static const char migration_3[] =
    "CREATE TABLE sighting_evidence (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  page_id INTEGER NOT NULL REFERENCES pages(id),\n"
    "  image_url_id INTEGER NOT NULL REFERENCES urls(id),\n"
    "  origin TEXT NOT NULL,                 -- rel-license | json-ld | microdata | meta\n"
    "  scope TEXT NOT NULL,                  -- rdfa-about | figure | json-ld | microdata | page\n"
    "  field TEXT NOT NULL,                  -- where on the page: rel=license, "
    "JSON-LD ImageObject.license, meta copyright\n"
    "  raw_value TEXT NOT NULL,              -- the value as written\n"
    "  license_spdx TEXT,                    -- normalised SPDX id (or LicenseRef-...), if any\n"
    "  license_url TEXT,                     -- canonical licence URL, if any\n"
    "  rights_claim TEXT,                    -- all-rights-reserved | copyright | public-domain | "
    "NULL\n"
    "  confidence TEXT NOT NULL,             -- high | medium | low\n"
    "  attribution_name TEXT,\n"
    "  attribution_url TEXT,\n"
    "  title TEXT,\n"
    "  creator TEXT,\n"
    "  UNIQUE (page_id, image_url_id, field, raw_value)\n"
    ");\n"
    "CREATE INDEX sighting_evidence_by_url ON sighting_evidence(image_url_id);\n"
    "INSERT INTO sighting_evidence (page_id, image_url_id, origin, scope, field, raw_value, "
    "  license_spdx, license_url, confidence, attribution_name, attribution_url) "
    "SELECT page_id, image_url_id, CASE license_scope WHEN 'json-ld' THEN 'json-ld' "
    "  WHEN 'microdata' THEN 'microdata' ELSE 'rel-license' END, coalesce(license_scope, 'page'), "
    "  'sighting:' || coalesce(license_scope, 'page'), license_url, license_spdx, license_url, "
    "  CASE license_scope WHEN 'page' THEN 'medium' ELSE 'high' END, attribution_name, "
    "  attribution_url FROM sightings WHERE license_url IS NOT NULL;\n"
    "ALTER TABLE rights_evidence ADD COLUMN scope TEXT; -- embedded | rdfa-about | figure | "
    "json-ld | microdata | page; NULL before v3 (then the sighting's scope applies)\n";

/* -- 4: robots directives that opt out only where a policy says so (noindex,
 *    none, noimageindex, noml) get an effect of their own, 'policy', instead
 *    of 'none', so clearance can find them. SQLite cannot change a CHECK in
 *    place: the table is rebuilt with every row and id kept. */
static const char migration_4[] =
    "CREATE TABLE optout_signals_v4 (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  scope TEXT NOT NULL CHECK (scope IN ('host','page','image','url')),\n"
    "  host_id INTEGER REFERENCES hosts(id),\n"
    "  url_id INTEGER REFERENCES urls(id),   -- the page or image URL it applies to\n"
    "  image_id INTEGER REFERENCES images(id),\n"
    "  kind TEXT NOT NULL,                   -- x-robots-tag | meta-robots | tdm-header | tdm-meta "
    "|\n"
    "                                        -- tdmrep-json | content-signal | content-usage |\n"
    "                                        -- ai-txt | ai-crawler-rule | http-402 |\n"
    "                                        -- crawler-price | iptc-data-mining | c2pa-training\n"
    "  raw_value TEXT NOT NULL,              -- the directive as found\n"
    "  effect TEXT NOT NULL CHECK (effect IN ('opt-out','permit','policy','none')),\n"
    "                                        -- policy: an opt-out only under a policy that\n"
    "                                        -- counts it (noindex, none, noimageindex, noml)\n"
    "  found_at TEXT NOT NULL,               -- URL (or header name at URL) where it was found\n"
    "  recorded_at INTEGER NOT NULL\n"
    ");\n"
    "INSERT INTO optout_signals_v4 SELECT id, scope, host_id, url_id, image_id, kind, raw_value, "
    "  CASE WHEN effect = 'none' AND kind IN ('x-robots-tag', 'meta-robots') THEN 'policy' "
    "  ELSE effect END, found_at, recorded_at FROM optout_signals;\n"
    "DROP TABLE optout_signals;\n"
    "ALTER TABLE optout_signals_v4 RENAME TO optout_signals;\n"
    "CREATE INDEX optout_by_url ON optout_signals(url_id);\n"
    "CREATE INDEX optout_by_image ON optout_signals(image_id);\n"
    "CREATE INDEX optout_by_host ON optout_signals(host_id);\n";

/* -- 4 on PostgreSQL, which changes a CHECK in place (the constraint keeps the
 *    name PostgreSQL gave it in migration 1). */
static const char migration_4_pg[] =
    "ALTER TABLE optout_signals DROP CONSTRAINT optout_signals_effect_check;\n"
    "UPDATE optout_signals SET effect = 'policy' "
    "  WHERE effect = 'none' AND kind IN ('x-robots-tag', 'meta-robots');\n"
    "ALTER TABLE optout_signals ADD CONSTRAINT optout_signals_effect_check "
    "  CHECK (effect IN ('opt-out','permit','policy','none'));\n";

/* -- 5: the similarity audit. Registered protected works (`clearset protect`)
 *    say who claims them; every image may get local features (SIFT keypoints,
 *    stage 2 of the audit) computed by `clearset dedup`; and clearance records
 *    which images matched a blocked image or protected work locally (a crop,
 *    a collage: licence laundering PDQ alone misses), per policy, since which
 *    images are blocked depends on the policy. */
static const char migration_5[] =
    "CREATE TABLE protected_works (\n"
    "  image_id INTEGER PRIMARY KEY REFERENCES images(id),\n"
    "  path TEXT NOT NULL,                   -- where the file was (absolute) when registered\n"
    "  owner TEXT,                           -- who holds the rights (--owner)\n"
    "  note TEXT,                            -- anything else the registrant said (--note)\n"
    "  registered_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE local_features (\n"
    "  image_id INTEGER PRIMARY KEY REFERENCES images(id),\n"
    "  keypoints INTEGER NOT NULL,           -- how many keypoints the set holds\n"
    "  data BLOB NOT NULL,                   -- dedup_local_serialize's versioned form, <= 4 KiB\n"
    "  computed_at INTEGER NOT NULL\n"
    ");\n"
    "CREATE TABLE local_matches (\n"
    "  image_id INTEGER NOT NULL REFERENCES images(id),      -- the image that shows the work\n"
    "  work_image_id INTEGER NOT NULL REFERENCES images(id), -- a blocked image or protected work\n"
    "  policy TEXT NOT NULL,                 -- whose blocked verdict made the other a work\n"
    "  inliers INTEGER NOT NULL,             -- keypoints the verified transform explains\n"
    "  work_coverage REAL NOT NULL,          -- share of the work the inliers span (0..1)\n"
    "  query_coverage REAL NOT NULL,         -- share of the image the inliers span (0..1)\n"
    "  pdq_distance INTEGER NOT NULL,        -- for comparison: PDQ alone (best dihedral)\n"
    "  found_at INTEGER NOT NULL,\n"
    "  PRIMARY KEY (image_id, work_image_id, policy)\n"
    ");\n"
    "CREATE INDEX local_matches_by_work ON local_matches(work_image_id);\n";

/* -- 6: which opt-out and rights protocols were checked for each image, so an
 *    auditor sees what was looked at, not only what was found (issue 13: the
 *    evidence the EU AI Act's copyright obligations ask for). The crawl writes
 *    one row per protocol when it stores an image; a later crawl that meets the
 *    image again refreshes checked_at. */
static const char migration_6[] =
    "CREATE TABLE image_checks (\n"
    "  image_id INTEGER NOT NULL REFERENCES images(id),\n"
    "  protocol TEXT NOT NULL,               -- robots | ai-crawlers | content-signal |\n"
    "                                        -- content-usage | rsl | tdmrep | ai.txt |\n"
    "                                        -- iptc | c2pa (what was looked at, found or not)\n"
    "  checked_at INTEGER NOT NULL,          -- when the crawl last checked it (ms)\n"
    "  PRIMARY KEY (image_id, protocol)\n"
    ");\n";

/* -- 7: RSL 1.0 documents (Really Simple Licensing). A host's content points
 *    to them from robots.txt (License:), Link headers and HTML; each is
 *    fetched once per host that points to it and cached like robots.txt, so
 *    every image of the host can be judged by the terms for its URL. (6 is
 *    the AIPREF/Content-Signal work's; this one is numbered after it.) The
 *    signals they give are optout_signals rows of kind 'rsl' (training
 *    prohibited, or permitted for free) and 'rsl-licence-required' (training
 *    needs payment or a licence server). */
static const char migration_7[] =
    "CREATE TABLE rsl_documents (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  host_id INTEGER NOT NULL REFERENCES hosts(id), -- the host whose content points to it\n"
    "  url TEXT NOT NULL,                    -- where it is (any host); for an inline\n"
    "                                        -- <script>: the page URL + '#rsl-script-N'\n"
    "  found_via TEXT NOT NULL,              -- robots.txt License | Link header of URL |\n"
    "                                        -- HTML link on URL | inline script on URL\n"
    "  status INTEGER NOT NULL,              -- HTTP status; 0 = unreachable; -2 = the robots.txt\n"
    "                                        -- of its host disallows it (never requested)\n"
    "  body BLOB,                            -- the XML as fetched (2xx only)\n"
    "  fetched_at INTEGER NOT NULL,\n"
    "  expires_at INTEGER NOT NULL,          -- cache end: fetched_at + 24 h, as robots.txt\n"
    "  UNIQUE (host_id, url)\n"
    ");\n";

/* -- 8: sightings without a page. `clearset crawl --url-list` reads image
 *    URLs with their captions from a list (img2dataset's inputs); the caption
 *    is a sighting whose page_id is NULL, one per image URL (the partial
 *    unique index). SQLite cannot drop NOT NULL in place, so the table is
 *    copied (nothing references sightings). */
static const char migration_8[] =
    "CREATE TABLE sightings_new (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  page_id INTEGER REFERENCES pages(id), -- NULL: from a URL list, not a page\n"
    "  image_url_id INTEGER NOT NULL REFERENCES urls(id),\n"
    "  image_id INTEGER REFERENCES images(id), -- NULL until the image is fetched\n"
    "  element TEXT,                         -- img | picture | source | link | json-ld |\n"
    "                                        -- url-list\n"
    "  alt TEXT,\n"
    "  caption TEXT,                         -- figcaption text, or the list's caption\n"
    "  license_url TEXT,                     -- page-side licence for this image, if any\n"
    "  license_scope TEXT,                   -- rdfa-about | figure | json-ld | page\n"
    "  attribution_name TEXT,\n"
    "  attribution_url TEXT,\n"
    "  license_spdx TEXT,                    -- SPDX id of license_url, if it names one\n"
    "  UNIQUE (page_id, image_url_id)\n"
    ");\n"
    "INSERT INTO sightings_new SELECT id, page_id, image_url_id, image_id, element, alt, caption, "
    "  license_url, license_scope, attribution_name, attribution_url, license_spdx FROM "
    "sightings;\n"
    "DROP TABLE sightings;\n"
    "ALTER TABLE sightings_new RENAME TO sightings;\n"
    "CREATE INDEX sightings_by_image ON sightings(image_id);\n"
    "CREATE UNIQUE INDEX sightings_listed ON sightings(image_url_id) WHERE page_id IS NULL;\n";

/* -- 8 on PostgreSQL, which drops NOT NULL in place. */
static const char migration_8_pg[] =
    "ALTER TABLE sightings ALTER COLUMN page_id DROP NOT NULL;\n"
    "CREATE UNIQUE INDEX sightings_listed ON sightings(image_url_id) WHERE page_id IS NULL;\n";

/* -- 9: host leases, for crawl workers sharing one catalog (issue 15; see
 *    catalog.h "Host leases"). A worker crawls a host only while it holds the
 *    lease; a lease nobody renews lapses, and another worker takes the host. */
static const char migration_9[] =
    "ALTER TABLE hosts ADD COLUMN lease_owner TEXT; -- the worker crawling the host; NULL: none\n"
    "ALTER TABLE hosts ADD COLUMN lease_expires_at INTEGER NOT NULL DEFAULT 0; -- the lease "
    "lapses then unless renewed\n"
    "CREATE INDEX hosts_by_lease ON hosts(lease_owner);\n";

/* -- 10: two indexes a crawl's cost per URL must not grow with the catalog
 *    without (it did: 570 images/s at 2,000 images, 80/s at 60,000 on one
 *    host, bench/gan_export.sh):
 *    - sightings by image URL: storing an image updates its URL's sightings
 *      (catalog_link_image_url), a scan of every sighting without it;
 *    - a host's URLs in the order catalog_frontier_next takes them (depth,
 *      id): urls_by_state found the due ones but sorted all of them, every
 *      queued URL of the host, for each URL taken. */
static const char migration_10[] =
    "CREATE INDEX sightings_by_image_url ON sightings(image_url_id);\n"
    "CREATE INDEX urls_next ON urls(host_id, state, depth, id);\n";

/* -- 11: urls_by_host goes: urls_next (host_id, state, depth, id) serves every
 *    search by host as well, and each URL added paid for both. */
static const char migration_11[] = "DROP INDEX urls_by_host;\n";

/* -- 12: urls_by_state holds only the URLs still to fetch (queued or in
 *    flight): its searches (a host's earliest due URL, the queued count of
 *    the progress line, the in-flight URLs a resumed crawl queues again) ask
 *    for nothing else, and a URL fetched no longer moves to a new entry,
 *    so the index stays the size of the frontier, not of the catalog.
 *    And the CHECKs that name more than two words say them as ORs. SQLite
 *    evaluates "x IN ('a','b','c')" by building a temporary b-tree of the
 *    words each time the statement runs (two or fewer are compared in turn),
 *    so every URL added paid for two of them and every state change for one:
 *    a small INSERT INTO urls took 2.5 times as long. The words allowed do
 *    not change. SQLite cannot change a CHECK in place: urls, optout_signals
 *    and verdicts are rebuilt with every row and id kept (foreign keys are
 *    off while migrations run and checked after them, catalog.c). */
static const char migration_12[] =
    "CREATE TABLE urls_v12 (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  url TEXT NOT NULL UNIQUE,             -- normalised absolute URL (RFC 3986)\n"
    "  host_id INTEGER NOT NULL REFERENCES hosts(id),\n"
    "  kind TEXT NOT NULL CHECK (kind = 'page' OR kind = 'image' OR kind = 'robots' OR\n"
    "                            kind = 'tdmrep' OR kind = 'ai_txt'),\n"
    "  state TEXT NOT NULL DEFAULT 'queued'\n"
    "    CHECK (state = 'queued' OR state = 'in_flight' OR state = 'done' OR state = 'failed' OR\n"
    "           state = 'disallowed' OR state = 'skipped'),\n"
    "                                        -- queued: waiting; in_flight: being fetched\n"
    "                                        -- (reset to queued on resume); done: fetched;\n"
    "                                        -- failed: gave up; disallowed: robots said no;\n"
    "                                        -- skipped: out of scope or over a limit\n"
    "  depth INTEGER NOT NULL DEFAULT 0,     -- links from the nearest seed\n"
    "  referrer_id INTEGER REFERENCES urls(id), -- the page it was found on (NULL for seeds)\n"
    "  attempts INTEGER NOT NULL DEFAULT 0,  -- fetch attempts so far\n"
    "  next_attempt_at INTEGER NOT NULL DEFAULT 0, -- not before this time (retries)\n"
    "  last_error TEXT,                      -- why the last attempt failed or was skipped\n"
    "  discovered_at INTEGER NOT NULL\n"
    ");\n"
    "INSERT INTO urls_v12 (id, url, host_id, kind, state, depth, referrer_id, attempts, "
    "next_attempt_at, last_error, discovered_at) SELECT id, url, host_id, kind, state, depth, "
    "referrer_id, attempts, next_attempt_at, last_error, discovered_at FROM urls;\n"
    "DROP TABLE urls;\n"
    "ALTER TABLE urls_v12 RENAME TO urls;\n"
    "CREATE INDEX urls_by_state ON urls(state, host_id, next_attempt_at)\n"
    "  WHERE state = 'queued' OR state = 'in_flight';\n"
    "CREATE INDEX urls_next ON urls(host_id, state, depth, id);\n"
    "CREATE TABLE optout_signals_v12 (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  scope TEXT NOT NULL CHECK (scope = 'host' OR scope = 'page' OR scope = 'image' OR\n"
    "                             scope = 'url'),\n"
    "  host_id INTEGER REFERENCES hosts(id),\n"
    "  url_id INTEGER REFERENCES urls(id),   -- the page or image URL it applies to\n"
    "  image_id INTEGER REFERENCES images(id),\n"
    "  kind TEXT NOT NULL,                   -- x-robots-tag | meta-robots | tdm-header | tdm-meta "
    "|\n"
    "                                        -- tdmrep-json | content-signal | content-usage |\n"
    "                                        -- ai-txt | ai-crawler-rule | http-402 |\n"
    "                                        -- crawler-price | iptc-data-mining | c2pa-training\n"
    "  raw_value TEXT NOT NULL,              -- the directive as found\n"
    "  effect TEXT NOT NULL CHECK (effect = 'opt-out' OR effect = 'permit' OR effect = 'policy' "
    "OR\n"
    "                              effect = 'none'),\n"
    "                                        -- policy: an opt-out only under a policy that\n"
    "                                        -- counts it (noindex, none, noimageindex, noml)\n"
    "  found_at TEXT NOT NULL,               -- URL (or header name at URL) where it was found\n"
    "  recorded_at INTEGER NOT NULL\n"
    ");\n"
    "INSERT INTO optout_signals_v12 (id, scope, host_id, url_id, image_id, kind, raw_value, "
    "effect, found_at, recorded_at) SELECT id, scope, host_id, url_id, image_id, kind, "
    "raw_value, effect, found_at, recorded_at FROM optout_signals;\n"
    "DROP TABLE optout_signals;\n"
    "ALTER TABLE optout_signals_v12 RENAME TO optout_signals;\n"
    "CREATE INDEX optout_by_url ON optout_signals(url_id);\n"
    "CREATE INDEX optout_by_image ON optout_signals(image_id);\n"
    "CREATE INDEX optout_by_host ON optout_signals(host_id);\n"
    "CREATE TABLE verdicts_v12 (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  image_id INTEGER NOT NULL REFERENCES images(id),\n"
    "  policy TEXT NOT NULL,                 -- strict | open | research | path of a policy file\n"
    "  verdict TEXT NOT NULL CHECK (verdict = 'cleared' OR verdict = 'blocked' OR\n"
    "                               verdict = 'unknown'),\n"
    "  license_spdx TEXT,                    -- the licence the verdict rests on, if any\n"
    "  attribution TEXT,                     -- JSON: what attribution to give and its source\n"
    "  reasons TEXT NOT NULL,                -- JSON array of {rule, detail, evidence ids}\n"
    "  decided_at INTEGER NOT NULL,\n"
    "  UNIQUE (image_id, policy)\n"
    ");\n"
    "INSERT INTO verdicts_v12 (id, image_id, policy, verdict, license_spdx, attribution, reasons, "
    "decided_at) SELECT id, image_id, policy, verdict, license_spdx, attribution, reasons, "
    "decided_at FROM verdicts;\n"
    "DROP TABLE verdicts;\n"
    "ALTER TABLE verdicts_v12 RENAME TO verdicts;\n";

/* -- 12 on PostgreSQL, which tests "x IN (...)" against the words without
 *    building anything: its constraints stay as they are; urls_by_state is
 *    made partial the same way. */
static const char migration_12_pg[] =
    "DROP INDEX urls_by_state;\n"
    "CREATE INDEX urls_by_state ON urls(state, host_id, next_attempt_at)\n"
    "  WHERE state = 'queued' OR state = 'in_flight';\n";

const catalog_migration catalog_migrations[] = {
    {1,
     "first schema: hosts, urls, fetches, pages, images, image_urls, sightings, "
     "rights_evidence, optout_signals, hashes, clusters, cluster_members, verdicts",
     migration_1, NULL},
    {2, "sightings.license_spdx", migration_2, NULL},
    {3, "sighting_evidence: every page-side statement; rights_evidence.scope", migration_3, NULL},
    {4, "optout_signals.effect 'policy' for noindex & co.", migration_4, migration_4_pg},
    {5, "protected_works, local_features, local_matches: the similarity audit", migration_5, NULL},
    {6, "image_checks: the protocols checked for each image", migration_6, NULL},
    {7, "rsl_documents: RSL 1.0 licence documents per host", migration_7, NULL},
    {8, "sightings.page_id NULL: captions from URL lists", migration_8, migration_8_pg},
    {9, "hosts.lease_owner, lease_expires_at: host leases of crawl workers", migration_9, NULL},
    {10, "sightings_by_image_url, urls_next: a crawl's cost per URL independent of its size",
     migration_10, NULL},
    {11, "urls_by_host dropped: urls_next leads with host_id", migration_11, NULL},
    {12, "CHECKs of three or more words as ORs: no temporary b-tree per row written", migration_12,
     migration_12_pg},
};

const size_t catalog_migration_count = sizeof catalog_migrations / sizeof catalog_migrations[0];

/* Whether the text at p is the words w, not part of a longer name. */
static int word_at(const char *start, const char *p, const char *w)
{
    size_t n = strlen(w);
    if (strncmp(p, w, n) != 0) return 0; /* first: p[n] is only readable when this matched */
    int before = p > start && (isalnum((unsigned char)p[-1]) || p[-1] == '_');
    int after = isalnum((unsigned char)p[n]) || p[n] == '_';
    return !before && !after;
}

char *catalog_pg_schema_sql(const char *sql)
{
    static const struct {
        const char *sqlite, *pg;
    } types[] = {
        {"id INTEGER PRIMARY KEY", "id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"},
        {"INTEGER", "BIGINT"},
        {"BLOB", "BYTEA"},
        {"REAL", "DOUBLE PRECISION"},
    };
    cs_buf out;
    cs_buf_init(&out, 0);
    int rc = CS_OK, quoted = 0;
    for (const char *p = sql; rc == CS_OK && *p;) {
        size_t i = CS_ARRAY_LEN(types);
        if (!quoted && p[0] == '-' && p[1] == '-') { /* a comment, to the end of its line */
            size_t n = strcspn(p, "\n");
            rc = cs_buf_append(&out, p, n);
            p += n;
            continue;
        }
        if (*p == '\'') quoted = !quoted;
        for (size_t t = 0; !quoted && t < CS_ARRAY_LEN(types) && i == CS_ARRAY_LEN(types); t++)
            if (word_at(sql, p, types[t].sqlite)) i = t;
        if (i < CS_ARRAY_LEN(types)) {
            rc = cs_buf_append_str(&out, types[i].pg);
            p += strlen(types[i].sqlite);
        } else {
            rc = cs_buf_append(&out, p++, 1);
        }
    }
    if (rc == CS_OK) rc = cs_buf_append(&out, "", 1);
    if (rc != CS_OK) {
        cs_buf_free(&out);
        return NULL;
    }
    return (char *)cs_buf_take(&out, NULL);
}
