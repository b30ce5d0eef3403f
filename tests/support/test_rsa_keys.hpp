#pragma once

// An RSA key pair for tests only (generated once with `openssl genpkey`):
// tokens signed with the private key verify with the public one.
namespace agentstudio::testing {

inline constexpr char kTestRsaPrivateKeyPem[] = R"(-----BEGIN PRIVATE KEY-----
MIIEvAIBADANBgkqhkiG9w0BAQEFAASCBKYwggSiAgEAAoIBAQCzGVBZ35hmKMJn
a3yTyJdtVOLOb431LLwaUhv4TJvM06YsDOsC5nd6HX48aX/l+cV08qAjb9ws3Ekq
81u9Jmhs2av6lClncRp2L95naicz83m/EOPy2GLPR1THuBzAuSUAHRKnhFiPVSuI
VPXuLz+W7fzUKbsGqVP88CYn1fD+Wz4PbEJPkOEvyC7KelRSYsPdlslfX4ISDflX
Eh5v6i7MzJL1INVc/y4SopxwuuVSM03zNmTQVGrIztGJzT21mLKQQmQqndH+NXiC
6lD3pm6p0A1kEyIu3WVIU/78KY/q5PyQMyEGZVJdyrwSPDv+9Qjybcs6+sVR7M/2
+e1Rc/FXAgMBAAECggEAE1TuKWVLK+vGYCdoAQOr5K8+9A1ygz5a53RpdHnAb3GB
BEw4qc16pAG++IJivc4iFCeERY7zcxwsAajXBCm7J9SvDZMkjPfWZV9xYDRDGwZy
477M/A+DSuBmNFCZOexCJCr/MnnEnWQSGNsi2Jzc/kud+MCwYV2xpSG+3JnpM2sz
oT52n2JIjR3Jv/SXqj4BLsosj2PxvfUhM4YQKCbyG8tDTS0rHFRJzsCydTu5RCvi
TWPnN2uQ8PSkiOOrWlzGEm+1zefv3C66fLWq9N9GHsvedU6og7xZrDTKt14vKutg
BJ7Hpu88QT7W36wiMYhQp2KuaIqf+i8OtCcGpfa1IQKBgQDaxX/O3GGzaFkA6sN9
JbY2D9bU4XWz77Z0v52BE5gSKHO3sgmeSmMlgMB3sP8xZBkmWAruk/dP2WhM198x
jnSb1P1I71mC1+N0aj092N96G2kT28P8D63bvJR1d88Hgm8JovOtC/Pwd+3xeni5
Kb/87AOF4WgEvowdtyzHrOPVzwKBgQDRk4dFkWfH0g/BBu45JMv8ldM7JfTEATvT
5NqbQP6UHF9CKtO/qun6tUIADlQvQ/kPml2+DxlrQWti1tXKy28Ob8mxkuz1Lgsi
TFkg7MF9taGgrrOLExE7gKhXyaiucFSMgy+FJGPOA0fVblPDxIq8RpDbDh5HGLt/
ioFEJoEV+QKBgF0oSpNIruXZokTMsy/gViXROtbtptRXWCeAzM4BDPl2dkgbrRLV
dECtAcg1+4UJrdfxF76eDWrYFhzas7UDh04wNSbQnRolWjrhXnCuoAL8FxOYumzk
NFFkjQc0XFlDRosg84iVlWupdg4k67FVQOavjZR99nBGv52LuarRSTdrAoGAFmDg
cudB465kjEIHMgbh2UjOU2SMLFnNX6TySt230WzuJwyXq8G+Vk0AjSz6hEmH0Mi0
9dR67F8B7n3uOkdaxnndWZ7Muql9+t2YLtHZH2lDpvrApTsV/fqQ/z7DSk0oWhCw
BFGMbrUe+IVdYGwePFh0o09woDrd2pKZlwNdiVECgYAgmBsbTLw47fOfhSZW6WYN
Gf/c6fnuFlQByTxfDzZV+lwm7izr91uiSiHPgmUyxOJj7eEso5nSKToRkxHVHS57
HTlSb/fd34nbpDgIBDHeM9lOzdoB1t+ES2ToXxrwHwSbN59q5y3oTtG1hhV2j86j
+LquAQO4loXld51iKubF1w==
-----END PRIVATE KEY-----
)";

inline constexpr char kTestRsaPublicKeyPem[] = R"(-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAsxlQWd+YZijCZ2t8k8iX
bVTizm+N9Sy8GlIb+EybzNOmLAzrAuZ3eh1+PGl/5fnFdPKgI2/cLNxJKvNbvSZo
bNmr+pQpZ3Eadi/eZ2onM/N5vxDj8thiz0dUx7gcwLklAB0Sp4RYj1UriFT17i8/
lu381Cm7BqlT/PAmJ9Xw/ls+D2xCT5DhL8guynpUUmLD3ZbJX1+CEg35VxIeb+ou
zMyS9SDVXP8uEqKccLrlUjNN8zZk0FRqyM7Ric09tZiykEJkKp3R/jV4gupQ96Zu
qdANZBMiLt1lSFP+/CmP6uT8kDMhBmVSXcq8Ejw7/vUI8m3LOvrFUezP9vntUXPx
VwIDAQAB
-----END PUBLIC KEY-----
)";

// The same public key as a JWK's modulus (RFC 7518 section 6.3.1; its
// exponent is AQAB), and the modulus of another 2048-bit key whose private
// half is not kept: a JWKS with both tells whether a token's kid picks its
// key.
inline constexpr char kTestRsaJwkN[] =
    "sxlQWd-YZijCZ2t8k8iXbVTizm-N9Sy8GlIb-EybzNOmLAzrAuZ3eh1-PGl_5fnFdPKgI2_cLNxJKvNbvSZobNmr-"
    "pQpZ3Eadi_eZ2onM_N5vxDj8thiz0dUx7gcwLklAB0Sp4RYj1UriFT17i8_lu381Cm7BqlT_PAmJ9Xw_ls-"
    "D2xCT5DhL8guynpUUmLD3ZbJX1-CEg35VxIeb-ouzMyS9SDVXP8uEqKccLrlUjNN8zZk0FRqyM7Ric09tZiykEJkKp3R_"
    "jV4gupQ96ZuqdANZBMiLt1lSFP-_CmP6uT8kDMhBmVSXcq8Ejw7_vUI8m3LOvrFUezP9vntUXPxVw";
inline constexpr char kOtherRsaJwkN[] =
    "zRxozYRC8H1lTvwNlo6J6GvL8YW1H-0MgKYBS9npmM5iyiyY2yN5NcH4aM_"
    "oROxFqJ75RSPpkC6wQvkcUzkLVZB8v5hNFNsLWFI3_qGF9zAypDKSSpMU28J-pCjqLBWj4I_Rh2tgruNfPj2UYo_"
    "tdVYWGk4yJEytP0l7PMnHXjYR9RWQAsSC_syQNhs3JMGLpO0rZFxV2zkQyE6xSaONFKskQk1_kyvuzp6VZmUtgmA6wJ_"
    "tPmHqOfgR7NPH4GE_dj4pCdV6ckkw-"
    "AE1iq5lBquqEKdv2PWtSuyB1fiWvVADuMrHmRVB6IjFfXCTwRPTOvYuINAxzCDq7JwtHjeXbQ";

}  // namespace agentstudio::testing
