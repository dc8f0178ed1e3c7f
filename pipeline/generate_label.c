/*
 * generate_label.c - the XMP packet that labels an image `clearset generate`
 * made: what made it (IPTC DigitalSourceType trainedAlgorithmicMedia, the
 * terms IPTC and C2PA use for AI output), which model (the checkpoint's
 * SHA-256) trained on which data (the export manifest's SHA-256 and signer),
 * and the licence obligations the training data carries over.
 *
 * The hashes go in a clearset namespace (one property each, for programs)
 * and in dc:source (one sentence, for people and tools that know only Dublin
 * Core). Text is XML-escaped with cs_buf_append_html. dedup_encode_png_xmp
 * puts the packet in the PNG.
 */
#include "pipeline/pipeline_internal.h"

#include <string.h>

#define LABEL_CLEARSET_NS "https://github.com/clearset/clearset/ns/generate/1.0/"

static int alt_text(cs_buf *b, const char *property, const char *text)
{
    int rc = cs_buf_printf(b, "   <%s><rdf:Alt><rdf:li xml:lang=\"x-default\">", property);
    if (rc == CS_OK) rc = cs_buf_append_html(b, text, strlen(text));
    if (rc == CS_OK) rc = cs_buf_printf(b, "</rdf:li></rdf:Alt></%s>\n", property);
    return rc;
}

int pipeline_generated_xmp(const pipeline_generated_label *label, cs_buf *out)
{
    int rc =
        cs_buf_printf(out,
                      "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
                      "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n"
                      " <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
                      "  <rdf:Description rdf:about=\"\"\n"
                      "    xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\"\n"
                      "    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n"
                      "    xmlns:xmpRights=\"http://ns.adobe.com/xap/1.0/rights/\"\n"
                      "    xmlns:clearset=\"" LABEL_CLEARSET_NS "\"\n"
                      "    Iptc4xmpExt:DigitalSourceType=\"" PIPELINE_DIGITAL_SOURCE_TYPE "\"\n"
                      "    clearset:ModelSHA256=\"%s\"\n"
                      "    clearset:ManifestSHA256=\"%s\"\n"
                      "    clearset:Signer=\"%s\">\n"
                      "   <dc:source>clearset generator model sha256:%s trained on the export with "
                      "manifest sha256:%s</dc:source>\n",
                      label->model_sha256, label->manifest_sha256, label->signer,
                      label->model_sha256, label->manifest_sha256);
    if (rc == CS_OK && label->obligations && label->obligations[0]) {
        rc = alt_text(out, "xmpRights:UsageTerms", label->obligations);
        if (rc == CS_OK) rc = alt_text(out, "dc:rights", label->obligations);
    }
    if (rc == CS_OK)
        rc = cs_buf_append_str(out, "  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n"
                                    "<?xpacket end=\"r\"?>");
    return rc;
}
