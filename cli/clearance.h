/*
 * clearance.h - glue shared by `clearset clear` and `clearset explain`: reads
 * one image's facts from the catalog, rebuilds the opt-out signals for
 * robots/ to decide on, and asks license/ for the verdict. Private to cli/.
 */
#ifndef CLEARSET_CLI_CLEARANCE_H
#define CLEARSET_CLI_CLEARANCE_H

#include "dataset/catalog.h"
#include "license/license.h"

/* One image's decision with what it rests on; free with cli_decision_free. */
typedef struct cli_decision {
    catalog_image_facts facts;
    license_evidence *evidence; /* parallel to facts.evidence */
    int64_t *evidence_ids;
    size_t evidence_count;
    license_optout *optouts; /* the opt-outs robots/ decided apply (borrowing facts' strings) */
    int64_t *optout_ids;
    size_t optout_count;
    license_verdict verdict;
} cli_decision;

/* Decides image_id under policy from what the catalog holds (does not store it). */
int cli_decide(catalog *cat, const license_policy *policy, int64_t image_id, cli_decision *out,
               cs_error *err);
void cli_decision_free(cli_decision *d);

/* {"image_id", "sha256", "policy", "verdict", "license", "attribution", "reasons"}; new ref. */
json_t *cli_decision_json(const cli_decision *d, const license_policy *policy);

#endif
