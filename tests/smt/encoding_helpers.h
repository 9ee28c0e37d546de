#pragma once
// What the encodings' differential tests share: random traces of an alphabet (smt/alphabet.h),
// each ending at its first violation on the implementation, encoded step by step and compared
// with the implementation's state.
#include <functional>
#include <string>
#include <vector>

#include <z3++.h>

#include "model/trace.h"
#include "smt/alphabet.h"
#include "smt/encoding.h"

namespace iovacheck::smt {

// `count` traces of up to `steps` operations on `variant`, seeded from the variant's name.
std::vector<Trace> random_traces(const std::string& variant, const Alphabet& alphabet, unsigned count, unsigned steps);

// The alphabet of the random traces: dma32, W and start_pfn.
Alphabet alphabet_of(Pfn dma32, unsigned width, Pfn start_pfn = 1);

// `op` fixed to `step`'s concrete operation; a free's target is `free_target`'s, which each
// encoding names its own way (the freed pfn, the allocating step's number).
z3::expr fixed_to_step(z3::context& context, const EncodedOp& op, const Step& step, unsigned width,
                       const std::function<z3::expr(const Free&)>& free_target);

// The max32_alloc_size an implementation's describe() shows, as text.
std::string max32_described(const std::string& described);

}  // namespace iovacheck::smt
