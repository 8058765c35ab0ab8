#include "wire/version.h"

namespace helios::wire {

std::uint16_t wire_minor() {
  return 0;
}

}  // namespace helios::wire
