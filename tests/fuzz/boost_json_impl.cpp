// Boost.JSON compiled once for the fuzzers (BOOST_JSON_NO_LIB), as
// proxy/boost_impl.cpp does for the proxy without dragging in Asio and Beast.
#include <boost/json/src.hpp>
