#pragma once
// What the encodings' differential tests share: random traces of an alphabet (smt/alphabet.h),
// each ending at its first violation on the implementation, encoded step by step and compared
// with the implementation's state.
#include <string>
#include <vector>

#include "model/trace.h"
#include "smt/alphabet.h"

namespace iovacheck::smt {

// `count` traces of up to `steps` operations on `variant`, seeded from the variant's name.
std::vector<Trace> random_traces(const std::string& variant, const Alphabet& alphabet, unsigned count, unsigned steps);

// The max32_alloc_size an implementation's describe() shows, as text.
std::string max32_described(const std::string& described);

}  // namespace iovacheck::smt
