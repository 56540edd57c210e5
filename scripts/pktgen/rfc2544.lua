-- SPDX-License-Identifier: BSD-3-Clause
--
-- RFC 2544 throughput (section 26.1) of a peerfwd box, run by pktgen-dpdk:
-- tester port TX_PORT sends into peerfwd's "src" port, peerfwd forwards to
-- its "pri" port, which is cabled back to tester port RX_PORT. For every
-- frame size a binary search on the transmit rate finds the highest rate at
-- which RX_PORT receives every frame TX_PORT sent (zero loss, or at most
-- LOSS_TOLERANCE_PCT), each trial TRIAL_S seconds; the result is confirmed
-- by a last trial of CONFIRM_S seconds at the found rate.
--
-- Destinations: pktgen range mode on the destination IPv4 address, which
-- walks DST_MIN..DST_MAX by DST_INC, one address per packet, wrapping
-- around: every address of the registered prefix, so the lookups spread
-- over it. (Range mode sweeps rather than draws at random; pktgen's "rnd"
-- bit randomizer would give random addresses but does not fix the IPv4
-- header checksum afterwards, and peerfwd drops bad checksums.)
-- DST_MIN..DST_MAX must lie inside the prefixes peerfwd has registered (and
-- routed): with unregistered = "drop", anything else is dropped and shows
-- up here as loss.
--
-- Run (see scripts/pktgen/README.md for cabling and the peerfwd config):
--   pktgen -l 0-4 -n 4 -a <tx-pci> -a <rx-pci> -- -P -T -m "[1:2].0,[3:4].1" \
--          -f scripts/pktgen/rfc2544.lua
-- or from the pktgen prompt: load scripts/pktgen/rfc2544.lua
-- Settings: edit the table below, or set environment variables of the same
-- name before starting pktgen (RFC2544_TRIAL_S=30 RFC2544_SIZES=64,1518 ...).
--
-- Output: a table on the console and CSV in CSV_FILE, one line per size:
--   size,rate_pct,tx_pps,tx_mpps,l1_gbps,l2_gbps,tx_packets,rx_packets,lost,trials,confirmed
-- rate_pct is pktgen's transmit rate setting (percent of the tester port's
-- link speed); tx_pps is what TX_PORT really sent in the confirming trial.

package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;../?.lua"
pcall(require, "Pktgen") -- pktgen's helpers; not needed, loaded when present

local cfg = {
	TX_PORT = "0",                 -- tester port cabled to peerfwd's "src" port
	RX_PORT = "1",                 -- tester port cabled to peerfwd's "pri" port
	SIZES = "64,128,256,512,1024,1280,1518", -- frame sizes with FCS, bytes
	TRIAL_S = 10,                  -- seconds per search trial (RFC 2544: >= 60 for the final)
	CONFIRM_S = 60,                -- seconds of the confirming trial (0: none)
	RESOLUTION_PCT = 0.5,          -- stop when the search interval is this narrow
	MAX_TRIALS = 14,               -- search trials per size, at most
	LOSS_TOLERANCE_PCT = 0,        -- RFC 2544 throughput: 0
	SETTLE_MS = 2000,              -- after stop: in-flight frames arrive, pktgen's
	                               -- per-second counters catch up
	DST_MAC = "02:00:00:00:04:01", -- peerfwd's "src" port MAC (its config's mac =)
	SRC_IP = "192.0.2.10",         -- tester's address on peerfwd's "src" subnet
	DST_MIN = "203.0.113.1",       -- first destination (inside a registered prefix)
	DST_MAX = "203.0.113.254",     -- last destination
	DST_INC = "0.0.0.1",           -- step of the destination walk
	SPORT_MIN = 1024,              -- UDP source ports walk too (flow spread for RSS)
	SPORT_MAX = 65535,
	DPORT = 5001,
	TTL = 64,                      -- peerfwd decrements it; 1 would be dropped
	CSV_FILE = "rfc2544-peerfwd.csv",
}

-- Environment overrides: RFC2544_<NAME>.
local getenv = (os and os.getenv) or function() return nil end
for k, v in pairs(cfg) do
	local e = getenv("RFC2544_" .. k)
	if e ~= nil and e ~= "" then
		cfg[k] = (type(v) == "number") and tonumber(e) or e
	end
end
if cfg.TRIAL_S < 1 then cfg.TRIAL_S = 1 end

local function sizes()
	local t = {}
	for s in string.gmatch(cfg.SIZES, "%d+") do t[#t + 1] = tonumber(s) end
	return t
end

local function log(fmt, ...)
	local s = string.format(fmt, ...)
	print(s)
	io.stdout:flush()
end

-- Cumulative counters of a port since the last pktgen.clr(). pktgen 22.x/
-- 23.x: portStats(ports, "port")[pid].opackets; 24.x and later:
-- portStats(ports)[pid].curr.opackets.
local function counters(port)
	local pid = tonumber(port)
	local ok, t = pcall(pktgen.portStats, port, "port")
	if not ok or t == nil or t[pid] == nil then
		t = pktgen.portStats(port)
	end
	local e = t[pid]
	if e.curr ~= nil then e = e.curr end
	return e
end

local function setup()
	local tx, rx = cfg.TX_PORT, cfg.RX_PORT
	pktgen.stop(tx .. "," .. rx)
	pktgen.set_range(rx, "off")
	pktgen.set(tx, "count", 0) -- send until stopped
	pktgen.set_range(tx, "on")
	pktgen.range.ip_proto(tx, "udp")
	pktgen.range.dst_mac(tx, "start", cfg.DST_MAC)
	pktgen.range.dst_mac(tx, "inc", "00:00:00:00:00:00")
	pktgen.range.src_ip(tx, "start", cfg.SRC_IP)
	pktgen.range.src_ip(tx, "inc", "0.0.0.0")
	pktgen.range.dst_ip(tx, "start", cfg.DST_MIN)
	pktgen.range.dst_ip(tx, "min", cfg.DST_MIN)
	pktgen.range.dst_ip(tx, "max", cfg.DST_MAX)
	pktgen.range.dst_ip(tx, "inc", cfg.DST_INC)
	pktgen.range.src_port(tx, "start", cfg.SPORT_MIN)
	pktgen.range.src_port(tx, "min", cfg.SPORT_MIN)
	pktgen.range.src_port(tx, "max", cfg.SPORT_MAX)
	pktgen.range.src_port(tx, "inc", 1)
	pktgen.range.dst_port(tx, "start", cfg.DPORT)
	pktgen.range.dst_port(tx, "min", cfg.DPORT)
	pktgen.range.dst_port(tx, "max", cfg.DPORT)
	pktgen.range.dst_port(tx, "inc", 0)
	pktgen.range.ttl(tx, "start", cfg.TTL)
	pktgen.range.ttl(tx, "inc", 0)
end

local function set_size(size)
	local tx = cfg.TX_PORT
	pktgen.range.pkt_size(tx, "start", size)
	pktgen.range.pkt_size(tx, "min", size)
	pktgen.range.pkt_size(tx, "max", size)
	pktgen.range.pkt_size(tx, "inc", 0)
end

-- One trial: returns tx, rx, lost, seconds.
local function trial(size, rate, seconds, label)
	local tx, rx = cfg.TX_PORT, cfg.RX_PORT
	pktgen.clr()
	pktgen.delay(cfg.SETTLE_MS) -- counters of the clear settle
	pktgen.set(tx, "rate", rate)
	pktgen.start(tx)
	pktgen.delay(math.floor(seconds * 1000))
	pktgen.stop(tx)
	pktgen.delay(cfg.SETTLE_MS)
	local s, r = counters(tx), counters(rx)
	local sent, got = s.opackets, r.ipackets
	local lost = sent - got
	log("  %5d B  %-9s rate %7.3f%%  tx %13d  rx %13d  lost %11d  %s", size, label, rate,
	    sent, got, lost, (sent > 0 and lost <= sent * cfg.LOSS_TOLERANCE_PCT / 100)
	    and "pass" or "FAIL")
	return sent, got, lost
end

local function passes(sent, lost)
	return sent > 0 and lost <= sent * cfg.LOSS_TOLERANCE_PCT / 100
end

-- Binary search for the highest passing rate (percent of line rate).
local function search(size)
	local lo, hi, best = 0, 100, nil
	local n = 0
	set_size(size)
	-- RFC 2544: start at the maximum rate; line rate often passes with large frames.
	local rate = 100
	while n < cfg.MAX_TRIALS do
		n = n + 1
		local sent, _, lost = trial(size, rate, cfg.TRIAL_S, "search")
		if passes(sent, lost) then
			lo, best = rate, rate
		else
			hi = rate
		end
		if hi - lo <= cfg.RESOLUTION_PCT or lo == 100 then break end
		rate = lo + (hi - lo) / 2
	end
	return best, n
end

local function main()
	local results = {}
	local csv, err = io.open(cfg.CSV_FILE, "w")
	if csv == nil then
		log("rfc2544: %s: %s (no CSV)", cfg.CSV_FILE, tostring(err))
	else
		csv:write("size,rate_pct,tx_pps,tx_mpps,l1_gbps,l2_gbps,tx_packets,rx_packets,lost," ..
		          "trials,confirmed\n")
		csv:flush()
	end
	pcall(pktgen.screen, "off")
	setup()
	log("RFC 2544 throughput: port %s -> peerfwd -> port %s, %d s trials, %d s confirmation, " ..
	    "destinations %s..%s", cfg.TX_PORT, cfg.RX_PORT, cfg.TRIAL_S, cfg.CONFIRM_S,
	    cfg.DST_MIN, cfg.DST_MAX)
	for _, size in ipairs(sizes()) do
		local rate, n = search(size)
		local r = {size = size, rate = rate or 0, trials = n, tx = 0, rx = 0, lost = 0,
		           secs = cfg.TRIAL_S, confirmed = "no"}
		if rate ~= nil then
			local secs = cfg.CONFIRM_S > 0 and cfg.CONFIRM_S or cfg.TRIAL_S
			local sent, got, lost = trial(size, rate, secs, "confirm")
			r.tx, r.rx, r.lost, r.secs = sent, got, lost, secs
			r.trials = n + 1
			r.confirmed = passes(sent, lost) and "yes" or "no"
		end
		-- Rates from what was really sent: pktgen's percentages are nominal.
		r.pps = r.tx / r.secs
		r.l1 = r.pps * (size + 20) * 8 / 1e9 -- + preamble, SFD and inter-frame gap
		r.l2 = r.pps * size * 8 / 1e9
		results[#results + 1] = r
		if csv ~= nil then
			csv:write(string.format("%d,%.3f,%.0f,%.4f,%.4f,%.4f,%d,%d,%d,%d,%s\n", size,
			          r.rate, r.pps, r.pps / 1e6, r.l1, r.l2, r.tx, r.rx, r.lost, r.trials,
			          r.confirmed))
			csv:flush()
		end
	end
	if csv ~= nil then csv:close() end
	pcall(pktgen.screen, "on")

	log("")
	log("RFC 2544 throughput, peerfwd (port %s -> port %s), zero-loss rate per frame size",
	    cfg.TX_PORT, cfg.RX_PORT)
	log("%6s %9s %10s %9s %9s %7s %10s", "frame", "rate %", "Mpps", "Gb/s L1", "Gb/s L2",
	    "trials", "confirmed")
	for _, r in ipairs(results) do
		log("%6d %9.3f %10.4f %9.3f %9.3f %7d %10s", r.size, r.rate, r.pps / 1e6, r.l1, r.l2,
		    r.trials, r.confirmed)
	end
	log("CSV: %s", cfg.CSV_FILE)
end

main()
