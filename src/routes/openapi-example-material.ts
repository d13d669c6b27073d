/**
 * Public material for the OpenAPI document's request-body examples, generated once with openssl (EC P-256, valid ten
 * years) and kept so the examples are real, parseable PEM and JWK; every private key was discarded at once. A key field
 * shows EXAMPLE_PRIVATE_KEY, an elided placeholder: a client sends its own key (test/unit/routes/openapi-examples.test.ts
 * substitutes a key made at test time, and a certificate to match).
 */

/** "Example Partner Root CA": a self-signed CA (basicConstraints CA:true, keyUsage keyCertSign, cRLSign). */
export const EXAMPLE_CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIB3TCCAYOgAwIBAgIUR0NonqHiWspUiUM/W94a4ZHYoXwwCgYIKoZIzj0EAwIw\nPDEYMBYGA1UECgwPRXhhbXBsZSBQYXJ0bmVyMSAwHgYDVQQDDBdFeGFtcGxlIFBh\ncnRuZXIgUm9vdCBDQTAeFw0yNjEyMDYxMDQ4MTJaFw0zNjEyMDMxMDQ4MTJaMDwx\nGDAWBgNVBAoMD0V4YW1wbGUgUGFydG5lcjEgMB4GA1UEAwwXRXhhbXBsZSBQYXJ0\nbmVyIFJvb3QgQ0EwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATDadDH1Egwj/wz\np1rxvgovJg0s2uorG3vAlrKxK4nb4r8FrKci4rK1FGSaBlYU2NBCx7HMjcGeb2hu\noIqjOrdio2MwYTAdBgNVHQ4EFgQU/N9E9weNl4YN83taMlBL8M8v+74wHwYDVR0j\nBBgwFoAU/N9E9weNl4YN83taMlBL8M8v+74wDwYDVR0TAQH/BAUwAwEB/zAOBgNV\nHQ8BAf8EBAMCAQYwCgYIKoZIzj0EAwIDSAAwRQIhAPmDprdbFf3T9QS2E52Xu+2c\n4eDpYV8P5UZ4lvgEZh6yAiAMKDjiq+9mJMpwhWrzr5pO2FIg+WtdDxDrwqL5DI3w\ndA==\n-----END CERTIFICATE-----\n";

/** shop.example.com issued by EXAMPLE_CA_PEM (serverAuth). */
export const EXAMPLE_SERVER_CERTIFICATE_PEM = "-----BEGIN CERTIFICATE-----\nMIIB7DCCAZOgAwIBAgIUYrjrGIKRw6syItoKwyE63lQfSOowCgYIKoZIzj0EAwIw\nPDEYMBYGA1UECgwPRXhhbXBsZSBQYXJ0bmVyMSAwHgYDVQQDDBdFeGFtcGxlIFBh\ncnRuZXIgUm9vdCBDQTAeFw0yNjEyMDYxMDQ4MTJaFw0zNjEyMDMxMDQ4MTJaMBsx\nGTAXBgNVBAMMEHNob3AuZXhhbXBsZS5jb20wWTATBgcqhkjOPQIBBggqhkjOPQMB\nBwNCAARSzKOxeHXv68ubqLcG8dUoUEU+q7QjQzsuAdrdKceCwlC90sM5889pfmjn\nVyixinTy7PzvjvM27tVZfgDOD4Afo4GTMIGQMAwGA1UdEwEB/wQCMAAwDgYDVR0P\nAQH/BAQDAgeAMBMGA1UdJQQMMAoGCCsGAQUFBwMBMBsGA1UdEQQUMBKCEHNob3Au\nZXhhbXBsZS5jb20wHQYDVR0OBBYEFPW7hzoDXnFczGmz+uHsuNlr2zbvMB8GA1Ud\nIwQYMBaAFPzfRPcHjZeGDfN7WjJQS/DPL/u+MAoGCCqGSM49BAMCA0cAMEQCIDHv\nI98QhpJ950HvPRs32VrrIwyymCj2dIGRqLeetXOMAiB/QAogkcBonpUcpsib5qGx\n/KRGrWDiUU+JImfpX0aV4A==\n-----END CERTIFICATE-----\n";

/** CN=shop issued by EXAMPLE_CA_PEM (clientAuth): an egress client certificate. */
export const EXAMPLE_CLIENT_CERTIFICATE_PEM = "-----BEGIN CERTIFICATE-----\nMIIBwjCCAWigAwIBAgIUYrjrGIKRw6syItoKwyE63lQfSOswCgYIKoZIzj0EAwIw\nPDEYMBYGA1UECgwPRXhhbXBsZSBQYXJ0bmVyMSAwHgYDVQQDDBdFeGFtcGxlIFBh\ncnRuZXIgUm9vdCBDQTAeFw0yNjEyMDYxMDQ4MTNaFw0zNjEyMDMxMDQ4MTNaMA8x\nDTALBgNVBAMMBHNob3AwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATcH5dQJGTu\nFkpnZ/TsahyPqZ80DOalOznzs1nDAdjCQq4nsn5X8Nv2GrC6GXKQzhQz1AP1k+Dl\nT3AC1riU3fYpo3UwczAMBgNVHRMBAf8EAjAAMA4GA1UdDwEB/wQEAwIHgDATBgNV\nHSUEDDAKBggrBgEFBQcDAjAdBgNVHQ4EFgQUg8DLLu5S8LkduZtMlGr3PbBb1u8w\nHwYDVR0jBBgwFoAU/N9E9weNl4YN83taMlBL8M8v+74wCgYIKoZIzj0EAwIDSAAw\nRQIgbqQToUXo9tPj9zltS4qmFmpukiA55fEyu+JFPmUUdXcCIQDAsTlE3FNQSdR7\nWVI6KZD1ObsmBQux4shOVDsHExu4vw==\n-----END CERTIFICATE-----\n";

/** A PKCS#10 CSR for api.corp.example (subjectAltName DNS:api.corp.example). */
export const EXAMPLE_CSR_PEM = "-----BEGIN CERTIFICATE REQUEST-----\nMIIBBDCBqwIBADAbMRkwFwYDVQQDDBBhcGkuY29ycC5leGFtcGxlMFkwEwYHKoZI\nzj0CAQYIKoZIzj0DAQcDQgAEQ1M+PNv9C4eYgL0hEK278Kvk370D34T2AbhGess3\n/+Vy8rhdOOQ8sjEpZMrudCXCC+KOFnBsYaT/H5as2R2/y6AuMCwGCSqGSIb3DQEJ\nDjEfMB0wGwYDVR0RBBQwEoIQYXBpLmNvcnAuZXhhbXBsZTAKBggqhkjOPQQDAgNI\nADBFAiBedYaVu6FyamqQMCpwhrz3jqi7Rvq350FnIyHaozIS4wIhAPnwk9rN6N8z\nPDJ6B3b79XvxTC8fEa7b+48fiFAh6PRO\n-----END CERTIFICATE REQUEST-----\n";

/** A P-256 public key (RFC 7517 JWK, no `d`) to seal an export to. */
export const EXAMPLE_RECIPIENT_JWK = {
  kty: "EC",
  crv: "P-256",
  x: "SgCLC8YyvGkH95vFwVwpz3S0zV1Tu-n4F_lf7g_UFVk",
  y: "0Jk85i8DC0e7MC7XG6MHLwOJTnDtY7eyhcgElOhohEA",
} as const;

/**
 * Where a private key goes: elided, never a key in the document (and no PEM armour, so nothing reads it as one). The
 * example's description says so; a client sends its own key there.
 */
export const EXAMPLE_PRIVATE_KEY = "<elided: the certificate's private key as PEM (PKCS#8, PKCS#1 or SEC1), sent by you>";

/** The description of an example whose key field holds EXAMPLE_PRIVATE_KEY. */
export const ELIDED_KEY_NOTE = "The example's private key is elided: send the key of your certificate (PEM), unencrypted.";
