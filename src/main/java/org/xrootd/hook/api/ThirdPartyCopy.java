package org.xrootd.hook.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * spec.tpc: third-party copy, the way FTS and Rucio move files between sites (docs/operations.md,
 * "Third-party copy"). Both kinds are off by default: a cluster that accepts copies writes files that
 * another server sends, at that server's pace.
 */
@ValidationRule(value = Rules.CA_KEY_NEEDS_HTTP, message = Rules.CA_KEY_NEEDS_HTTP_MESSAGE, fieldPath = ".caKey")
@ValidationRule(value = Rules.CA_KEY_NOT_THE_CERTIFICATE, message = Rules.CA_KEY_NOT_THE_CERTIFICATE_MESSAGE, fieldPath = ".caKey")
public class ThirdPartyCopy {
    @Default("false")
    @JsonPropertyDescription("xroot TPC (xrdcp --tpc): the workers accept root:// copies and pull the file from the source "
            + "server themselves (ofs.tpc ... pgm xrdcp --server).")
    public Boolean xroot;

    @Default("false")
    @JsonPropertyDescription("HTTP TPC (WebDAV COPY, what FTS uses): every pod loads the HTTP-TPC handler (http.exthandler "
            + "xrdtpc libXrdHttpTPC.so), so a COPY with a Source header pulls and one with a Destination header pushes. Needs "
            + "spec.tls (XRootD 5.5.3 loads the handler only with HTTPS) and no spec.sss (which turns HTTP off).")
    public Boolean http;

    @Min(1)
    @Max(15)
    @JsonPropertyDescription("TCP streams of each xroot TPC transfer (ofs.tpc streams); XRootD's default is 1.")
    public Integer streams;

    @Min(1)
    @Max(1000)
    @JsonPropertyDescription("Most xroot TPC transfers a worker runs at once (ofs.tpc xfr); more wait. XRootD's default is 9.")
    public Integer maxTransfers;

    @Size(min = 1, max = 253)
    @Pattern(Patterns.SECRET_KEY)
    @JsonPropertyDescription("Key of the spec.tls Secret holding the CA certificates (PEM) that HTTP TPC trusts for the "
            + "remote server (xrd.tlsca certfile), e.g. ca.crt as cert-manager writes it. Unset: the image's system "
            + "CAs (/etc/ssl/certs). Only with http.")
    public String caKey;
}
