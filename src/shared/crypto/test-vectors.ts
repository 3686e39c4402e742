// Fixed keys for tests, made once with OpenSSL 3.0 and never regenerated: saved-format tests depend on
// them. Test-only (a published private key); nothing outside *.test.ts may import this file.
//   openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -outform DER | openssl pkcs8 -topk8 -nocrypt ...
//   openssl dgst -sha256 spki.der

/** RSA-1024, e = 65537, SubjectPublicKeyInfo DER. */
export const TEST_RSA_1024_SPKI_BASE64 =
  'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQD40rzibUNda0cWUync8JAyg29/wvWGovxuC52Q/MnUqeqAWt2Yct8JYz0h4Vlb40H4op0lZmPzHl/BNe5ravHoUjUR0l6YRpHJaaAOhj+EmUGxi5Wxvu/GN6HW88xe9+z8ck8Vzmu8g+nACCXJJf7MXsBzxrQoo2DlK4G8xT4StQIDAQAB';

/** The PKCS#8 PrivateKeyInfo DER for TEST_RSA_1024_SPKI_BASE64. */
export const TEST_RSA_1024_PKCS8_BASE64 =
  'MIICdwIBADANBgkqhkiG9w0BAQEFAASCAmEwggJdAgEAAoGBAPjSvOJtQ11rRxZTKdzwkDKDb3/C9Yai/G4LnZD8ydSp6oBa3Zhy3wljPSHhWVvjQfiinSVmY/MeX8E17mtq8ehSNRHSXphGkclpoA6GP4SZQbGLlbG+78Y3odbzzF737PxyTxXOa7yD6cAIJckl/sxewHPGtCijYOUrgbzFPhK1AgMBAAECgYBtFhbxPe3Wuv2DcBpeXqkZPD5ZyONTj4kTxcvikLD7pzLD6xJTj6jwuK1IeT9v5YY6tzAmAWm4YIyibD6GoXBECNcULiFIPLTREHhfzWN/abfqIBEICljYMzaU53NzLun3Jgd8GaS0kcOgxL+MvMNp2hUfBGrrztR5bHat8IhJUQJBAP7OqMNyKR151yPAzmSuGLjd5duk0F2usPLgRtCr4SE3ZAfPdSdAj+JIgGqv2d3yNeMhmtkzuQp5CiLCM09xk4sCQQD5/OhjYGudTiN62wHIFT7aTSp0EuE1DZi+MQHhi/Uajp9v5G7s8arzvfOXnOlKiuhDP2T6YtE8Bq6DBvAAqrq/AkEAuAi+71q2w2lKr7ID38e2Z18tMzSYofEYMHM38mMR2RHOl62I6e7BfSfsSCH2c00LCp8s3g9zaFL/tRcaRBi9/QJBAMJqRfDDU+4Kjt1E5aXNoAv2Z0XOSQcRg/Cl/GiEiCIXOTez1/C+Ic1dtMv8ZBJs5SUncEiqAT9FkwKjqpNaM9ECQHZu83qA8qUi/VvjVenn8f8zHYVcIaAXmS5g9uqvrHDXflDCYte75qPf7wQL+k2zqLFktO7fQ0/2h8L2Sll+q34=';

/** `openssl dgst -sha256` of the SPKI DER above. */
export const TEST_RSA_1024_FINGERPRINT = 'dd04bfb83f280745ae36937ba28370cd3f956f92f863cb801c24b02a1b17eed2';

/** An EC P-256 SubjectPublicKeyInfo: well-formed, but not RSA. */
export const TEST_EC_P256_SPKI_BASE64 =
  'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAETmmE1I+19fb9CfJUIDuvKM0JhW7izu9cqswPqZVNTaOxPlbokZ1e0Tw0OYJr/ntz/Jlc0AHP2bVQAMiifJKqcA==';
