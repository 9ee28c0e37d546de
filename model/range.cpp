#include "model/range.h"

#include <charconv>
#include <iterator>

namespace iovacheck {
namespace {

// "0x" and the digits written at `at`; returns the end. Room: 18 characters.
char* put_hex(char* at, Pfn value) {
  *at++ = '0';
  *at++ = 'x';
  return std::to_chars(at, at + 16, value, 16).ptr;
}

}  // namespace

// Both texts are written into a buffer and made a string once: a caller error's or a violation's
// text is built on every step that has one, and a 64-bit pfn's text is past the short-string
// size, so each piece appended was a heap allocation (most of a fuzz execution's, under ASan).
std::string hex(Pfn value) {
  char text[18];
  return std::string(text, put_hex(text, value));
}

std::string to_string(const Range& range) {
  char text[40];  // "[" 18 ", " 18 "]"
  char* at = text;
  *at++ = '[';
  at = put_hex(at, range.lo);
  *at++ = ',';
  *at++ = ' ';
  at = put_hex(at, range.hi);
  *at++ = ']';
  return std::string(text, at);
}

}  // namespace iovacheck
