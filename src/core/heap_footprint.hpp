// What parsed output costs on the C++ heap, estimated from the objects themselves.
//
// Why: the parser thread hands its output to the backend in batches, outside PostgreSQL's
// memory contexts, and a batch of short bad lines holds thousands of rejects, each with its
// own strings. Bounding the queue in batches bounds nothing; bounding it in these bytes does.
// The estimate counts what is allocated (capacities, not sizes), each block with the
// allocator's bookkeeping, so it errs high rather than low. Pure C++.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "delivery_parser.hpp"

namespace student_etl {

// Bookkeeping the allocator adds to every block (glibc: two words).
constexpr std::size_t kHeapBlockOverhead = 2 * sizeof(void*);

// Heap bytes of a string's buffer: 0 while the text fits inside the object itself.
std::size_t heap_bytes(const std::string& s) noexcept;

// Heap bytes of a vector's array (not of what its elements own).
template <typename T>
std::size_t heap_bytes(const std::vector<T>& v) noexcept
{
    return v.capacity() == 0 ? 0 : v.capacity() * sizeof(T) + kHeapBlockOverhead;
}

// Heap bytes a reject owns beyond sizeof(RejectedRow): its strings and its issues.
std::size_t owned_heap_bytes(const RejectedRow& r) noexcept;

// Heap bytes of a parser's output: both arrays and everything the rejects own.
std::size_t heap_bytes(const std::vector<ParsedRow>& rows, const std::vector<RejectedRow>& rejects) noexcept;

}  // namespace student_etl
