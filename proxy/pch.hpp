// Precompiled header: the heavy Boost headers that most translation units use.
#pragma once

#ifdef QUIKEDGE_IO_URING_BUILD
// Asio's socket operations are templates instantiated in every translation unit
// that reads or writes a socket, so their SQE wrapper comes before any of them.
#include "net/io_uring_single_buffer_ops.hpp"
#endif
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>
