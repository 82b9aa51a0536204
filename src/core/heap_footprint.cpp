// See heap_footprint.hpp.
#include "heap_footprint.hpp"

#include <functional>

namespace student_etl {

std::size_t heap_bytes(const std::string& s) noexcept
{
    // A short string keeps its text inside the object (small-string optimisation): no block.
    const char* text = s.data();
    const char* self = reinterpret_cast<const char*>(&s);
    const std::less<const char*> before;
    const bool inside = !before(text, self) && before(text, self + sizeof s);
    return inside ? 0 : s.capacity() + 1 + kHeapBlockOverhead;
}

std::size_t owned_heap_bytes(const RejectedRow& r) noexcept
{
    std::size_t bytes = heap_bytes(r.reason) + heap_bytes(r.raw) + heap_bytes(r.issues);
    for (const RejectIssue& issue : r.issues)
        bytes += heap_bytes(issue.value);
    return bytes;
}

std::size_t heap_bytes(const std::vector<ParsedRow>& rows, const std::vector<RejectedRow>& rejects) noexcept
{
    std::size_t bytes = heap_bytes(rows) + heap_bytes(rejects);
    for (const RejectedRow& r : rejects)
        bytes += owned_heap_bytes(r);
    return bytes;
}

}  // namespace student_etl
