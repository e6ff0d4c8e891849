/**
 * TLS test material: {@link dev.meridian.loadtest.tls.TestCertificates} writes a test CA, server
 * certificates for 127.0.0.1/localhost (valid and expired) and a mismatched key as PEM files.
 */
@NullMarked
package dev.meridian.loadtest.tls;

import org.jspecify.annotations.NullMarked;
