// See sha256.hpp.
#include "sha256.hpp"

#include <openssl/evp.h>

#include <new>
#include <stdexcept>

namespace student_etl {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new())
{
    if (ctx_ == nullptr)
        throw std::bad_alloc();
    if (EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1) {
        EVP_MD_CTX_free(ctx_);
        throw std::runtime_error("could not initialise SHA-256");
    }
}

Sha256::~Sha256()
{
    EVP_MD_CTX_free(ctx_);
}

void Sha256::update(const void* data, std::size_t n)
{
    if (EVP_DigestUpdate(ctx_, data, n) != 1)
        throw std::runtime_error("could not compute SHA-256");
}

std::string Sha256::hex()
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_DigestFinal_ex(ctx_, digest, &len) != 1 || len != 32)
        throw std::runtime_error("could not compute SHA-256");
    static const char digits[] = "0123456789abcdef";
    std::string out(64, '0');
    for (unsigned i = 0; i < 32; ++i) {
        out[2 * i] = digits[digest[i] >> 4];
        out[2 * i + 1] = digits[digest[i] & 15];
    }
    return out;
}

}  // namespace student_etl
