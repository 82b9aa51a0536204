// The SHA-256 of a delivery's bytes (load_runs.checksum), through OpenSSL's libcrypto -- the
// library PostgreSQL itself computes SHA-256 with. Pure C++ (no PostgreSQL headers), so the
// parse thread can hash each chunk it reads: the file is read once, not twice.
#pragma once

#include <cstddef>
#include <string>

struct evp_md_ctx_st;

namespace student_etl {

class Sha256 {
public:
    Sha256();   // throws std::bad_alloc or std::runtime_error
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(const void* data, std::size_t n);
    // The digest as 64 lower-case hex digits; no update() may follow.
    std::string hex();

private:
    evp_md_ctx_st* ctx_;
};

}  // namespace student_etl
