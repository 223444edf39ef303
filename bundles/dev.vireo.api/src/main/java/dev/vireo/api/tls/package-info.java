/**
 * TLS from PEM files, for the APIs that serve it and the clients that call them: a certificate chain and its PKCS#8
 * private key make a server's context; certificates to trust make a client's. JDK only.
 *
 * @since 1.0
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package dev.vireo.api.tls;
