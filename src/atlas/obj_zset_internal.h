#pragma once
// What the sorted-set command files share (obj_zset.cc: the rows, ZADD, ZINCRBY, ZREM;
// obj_zset_pop.cc: ZPOP*, ZMPOP, ZREMRANGEBY*; obj_zset_range.cc: the reads and ranges;
// obj_zset_algebra.cc: ZUNION, ZINTER, ZDIFF and their *STORE forms): Redis's score and range
// parsing, the lookups of a sorted set through a command's context, and the reply shapes of members
// with scores.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "atlas/obj_common.h"

namespace helios::atlas::zset {

inline constexpr std::string_view kErrNotFloatRange = "ERR min or max is not a float";
inline constexpr std::string_view kErrNotLexRange = "ERR min or max not valid string range item";
inline constexpr std::string_view kErrNaN = "ERR resulting score is not a number (NaN)";

// A score argument as Redis's string2d reads it (ZADD, ZINCRBY, WEIGHTS): the whole text is
// a number strtod accepts (decimal, hex, "inf"), no leading space, no NaN, no overflow.
std::optional<double> parse_score(std::string_view text);
// A score bound of ZRANGEBYSCORE ("1.5", "(1.5", "-inf") as Redis's zslParseRange reads it.
std::optional<SortedSet::ScoreBound> parse_score_bound(const std::string& text);
// A member bound of ZRANGEBYLEX ("-", "+", "[a", "(a").
std::optional<SortedSet::LexBound> parse_lex_bound(std::string_view text);
// A signed integer argument (Redis's getLongFromObject), or kErrNotInteger.
std::optional<std::int64_t> parse_long(std::string_view text, std::string* error);

// A score as Redis writes it into a string ("%.17g", "inf", "-inf"): ZSCAN's scores.
std::string score_text(double score);

// The sorted set of `key` for a write: the existing one, a new one (create), or nullptr
// (absent and not created, or another type: then `error` is WRONGTYPE).
ZSetObject* writable(ObjectWriter& w, const std::string& key, bool create, Reply* error);
// The sorted set of `key` for a read, or nullptr with `reply` set to `absent` or WRONGTYPE.
const ZSetObject* readable(const ObjectReader& r, const std::string& key, Reply absent,
                           Reply* reply);

// Members, or (with_scores) members and scores as kPairs (RESP3 pairs, RESP2 flat).
Reply entries_reply(const std::vector<SortedSet::Entry>& entries, bool with_scores);
// A sorted set holding `entries` (the *STORE commands).
Object object_of(const std::vector<SortedSet::Entry>& entries);

// Row functions of obj_zset_range.cc.
std::string check_zrange(const Args& args);
std::string check_zrangestore(const Args& args);
std::string check_zrevrange(const Args& args);
std::string check_zrangebyscore(const Args& args);
std::string check_zrevrangebyscore(const Args& args);
std::string check_zrangebylex(const Args& args);
std::string check_zrevrangebylex(const Args& args);
std::string check_zcount(const Args& args);
std::string check_zlexcount(const Args& args);
std::string check_zrandmember(const Args& args);
Reply zrange(const ObjectReader& r, const Args& args);
Reply zrangestore(ObjectWriter& w, const Args& args);
Reply zrevrange(const ObjectReader& r, const Args& args);
Reply zrangebyscore(const ObjectReader& r, const Args& args);
Reply zrevrangebyscore(const ObjectReader& r, const Args& args);
Reply zrangebylex(const ObjectReader& r, const Args& args);
Reply zrevrangebylex(const ObjectReader& r, const Args& args);
Reply zcard(const ObjectReader& r, const Args& args);
Reply zscore(const ObjectReader& r, const Args& args);
Reply zmscore(const ObjectReader& r, const Args& args);
Reply zrank(const ObjectReader& r, const Args& args);
Reply zrevrank(const ObjectReader& r, const Args& args);
Reply zcount(const ObjectReader& r, const Args& args);
Reply zlexcount(const ObjectReader& r, const Args& args);
Reply zrandmember(const ObjectReader& r, const Args& args);
Reply zscan(const ObjectReader& r, const Args& args);

// Row functions of obj_zset_pop.cc.
std::string check_zpop(const Args& args);
std::string check_zmpop(const Args& args);
std::string check_remrangebyrank(const Args& args);
std::string check_remrangebyscore(const Args& args);
std::string check_remrangebylex(const Args& args);
Reply zpopmin(ObjectWriter& w, const Args& args);
Reply zpopmax(ObjectWriter& w, const Args& args);
Reply zmpop(ObjectWriter& w, const Args& args);
Reply zremrangebyrank(ObjectWriter& w, const Args& args);
Reply zremrangebyscore(ObjectWriter& w, const Args& args);
Reply zremrangebylex(ObjectWriter& w, const Args& args);

// Row functions of obj_zset_algebra.cc.
std::string check_zunionstore(const Args& args);
std::string check_zinterstore(const Args& args);
std::string check_zdiffstore(const Args& args);
std::string check_zunion(const Args& args);
std::string check_zinter(const Args& args);
std::string check_zdiff(const Args& args);
std::vector<std::size_t> store_numkeys_keys(const Args& args);  // dst numkeys key...
std::vector<std::size_t> numkeys_keys(const Args& args);        // numkeys key...
Reply zunionstore(ObjectWriter& w, const Args& args);
Reply zinterstore(ObjectWriter& w, const Args& args);
Reply zdiffstore(ObjectWriter& w, const Args& args);
Reply zunion(const ObjectReader& r, const Args& args);
Reply zinter(const ObjectReader& r, const Args& args);
Reply zdiff(const ObjectReader& r, const Args& args);

}  // namespace helios::atlas::zset
