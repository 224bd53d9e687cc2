// A TCP port on 127.0.0.1 that nothing listens on, for a test server started right after (a
// data-parallel run's rendezvous store): the kernel picks it for a socket that is then closed.
#pragma once
#include <cstdint>

namespace fl::test_support {

uint16_t free_local_port();

}  // namespace fl::test_support
