// Every part of downstream_connection and upstream_exchange, for the files that
// instantiate them. Included by downstream_connection_*.cpp only.
#pragma once

#include "http/downstream_connection.hpp"
#include "http/downstream_connection.ipp"
#include "http/error_reply.ipp"
#include "http/exchange_port.hpp"
#include "http/exchange_retry.ipp"
#include "http/lingering_close.ipp"
#include "http/proxy_header_phase.ipp"
#include "http/request_relay.ipp"
#include "http/response_relay.ipp"
#include "http/tunnel_hand_off.ipp"
#include "http/upstream_connect.ipp"
#include "http/upstream_tls_handshake.ipp"
#include "http/ws_tunnel.ipp"
#include "http/ws_tunnel_close.ipp"
