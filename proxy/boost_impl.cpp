// The single translation unit that compiles Boost.Asio, Beast and JSON
// (BOOST_*_SEPARATE_COMPILATION): every other file only includes their headers.
#ifdef QUIKEDGE_IO_URING_BUILD
#include "net/io_uring_cancel_fix.hpp"  // before Asio's io_uring service is compiled below
#include "net/io_uring_ring_flags.hpp"
#include "net/io_uring_submit_and_wait.hpp"
#endif
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
#include <boost/json/src.hpp>
