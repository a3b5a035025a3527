// The single translation unit that compiles Boost.Asio, Beast and JSON
// (BOOST_*_SEPARATE_COMPILATION): every other file only includes their headers.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
#include <boost/json/src.hpp>
