#!/usr/bin/env bash
# Rows other clients wrote: for years the Supabase app could put any valid
# JSON in a jsonb column, NULL elements in a text[] and any text in a free
# text column the protos map to an enum. Every such row must read back
# through Get and List, never INTERNAL (and a bad row must not hide its
# owner's other rows). Each jsonb column of the 12 tables gets, by SQL, an
# object, an array of scalars, a mixed array, a string, a number, a
# boolean, null, a document 64 levels deep and one of a megabyte, and is
# read back in the form
# docs/stored-data.md gives:
#   Struct field          an object as stored; anything else as {"items": it}
#   repeated Struct       an array's elements, a lone value as one, null as
#                         none; an element that is no object as {"value": it}
#   repeated message      the same list rule; elements that are no object are
#   (frames, tools)       left out; a member its field cannot hold reads as
#                         the field's default
#   text[] element NULL   ""
#   unknown enum text     the enum's UNSPECIFIED (absent in JSON)
# Needs DATABASE_URL (superuser), JWT_SECRET and the three addresses.
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
: "${DATABASE_URL:?}" "${JWT_SECRET:?}"

sql() { psql "$DATABASE_URL" -qAt -v ON_ERROR_STOP=1 <<<"$1"; }

# A user of this script's own: its rows are the only ones its lists show.
uid=$(sql "insert into auth.users (id, email) values (gen_random_uuid(),
	'stored-json-' || md5(random()::text) || '@test.local') returning id" | head -n 1)
tok=$(JWT_SECRET=$JWT_SECRET "$IT_ROOT/scripts/mint-token.sh" "$uid" authenticated 3600)
[[ $uid =~ ^[0-9a-f-]{36}$ && -n $tok ]] && pass "a fresh user" || fail "a fresh user" "$uid"

deep=$(python3 -c 'print("{\"a\":" * 63 + "{}" + "}" * 63)') # 64 objects
# An object of 19,000 members of 40 characters: 1,026,000 bytes as jsonb prints it.
mega=$(python3 -c 'import json; print(json.dumps({"k%05d" % i: "x" * 40 for i in range(19000)}))')
SHAPES=('{"a": 1, "b": [true, null]}' '[1, "b", 2.5]' '[{"a": 1}, 2, "c", null]' '"text"' '1.5'
	'true' 'null' "$deep" "$mega")
SHAPE_NAMES=(object scalars mixed string number boolean null deep64 1MB)

# expected KIND: the jq program turning the stored JSON into what a read
# gives back (buf curl omits empty fields: .field // default on both sides).
declare -A EXPECT=(
	[struct]='if type == "object" then . else {items: .} end'
	[struct_list]='(if type == "array" then . elif . == null then [] else [.] end)
		| map(if type == "object" then . else {value: .} end)'
	[msg_list]='(if type == "array" then . elif . == null then [] else [.] end)
		| map(select(type == "object")) | length'
)

# check SVC GET LIST LISTFIELD TABLE ROWID COLUMN JSONFIELD KIND TOKEN
check() {
	local svc=$1 get=$2 list=$3 lf=$4 table=$5 id=$6 col=$7 jf=$8 kind=$9 token=${10} i v want got
	for i in "${!SHAPES[@]}"; do
		v=${SHAPES[$i]}
		sql "update public.$table set $col = \$j\$$v\$j\$::jsonb where id = '$id'" >/dev/null
		want=$(jq -c "${EXPECT[$kind]}" <<<"$v")
		local what="$table.$col holding ${SHAPE_NAMES[$i]}"
		for method in "$get" "$list"; do
			[[ -n $method ]] || continue
			if [[ $method == "$get" ]]; then
				call "${ADDR[$svc]}" "${FULLNAME[$svc]}/$method" "{\"id\": \"$id\"}" "$token"
				got=$(jq -c ".$jf" <<<"$OUT" 2>/dev/null)
			else
				call "${ADDR[$svc]}" "${FULLNAME[$svc]}/$method" '{}' "$token"
				got=$(jq -c --arg id "$id" "[.$lf[]? | select(.id == \$id)][0].$jf" <<<"$OUT" 2>/dev/null)
			fi
			if [[ $CODE != 0 ]]; then
				fail "$method: $what" "got $(code_name "$CODE"): $(head -c 200 <<<"$ERR")"
				continue
			fi
			case $kind in
			struct) got=$(jq -c '. // {}' <<<"$got") want=$(jq -c '. // {}' <<<"$want") ;;
			struct_list) got=$(jq -c '. // []' <<<"$got") ;;
			msg_list) got=$(jq -c '(. // []) | length' <<<"$got") ;;
			esac
			if [[ $(jq -S -c . <<<"$got") == "$(jq -S -c . <<<"$want")" ]]; then
				pass "$method: $what"
			else
				fail "$method: $what" "want: $(head -c 300 <<<"$want")" " got: $(head -c 300 <<<"$got")"
			fi
		done
	done
	# Back to the column's default, so that the row's next column is tried
	# alone (three columns of a megabyte are past the 2 MiB reply budget).
	sql "update public.$table set $col = default where id = '$id'" >/dev/null
}

# --- content: tool configurations, style presets, platform configurations, metrics
tool=$(sql "insert into public.tool_configurations (user_id, tool_name) values ('$uid', 'sj') returning id" | head -n 1)
check content GetToolConfiguration ListToolConfigurations toolConfigurations tool_configurations "$tool" \
	configuration configuration struct "$tok"
preset=$(sql "insert into public.style_presets (user_id, name) values ('$uid', 'sj') returning id" | head -n 1)
check content GetStylePreset ListStylePresets stylePresets style_presets "$preset" style_data styleData struct "$tok"
plat=$(sql "insert into public.platform_configurations (user_id, platform, aspect_ratio)
	values ('$uid', 'sj', '4:3') returning id" | head -n 1)
for c in preferred_style:preferredStyle prompt_templates:promptTemplates character_preferences:characterPreferences; do
	check content GetPlatformConfiguration ListPlatformConfigurations platformConfigurations \
		platform_configurations "$plat" "${c%%:*}" "${c##*:}" struct "$tok"
done
metric=$(sql "insert into public.performance_metrics (user_id) values ('$uid') returning id" | head -n 1)
for c in actual_engagement:actualEngagement improvements:improvements; do
	check content GetPerformanceMetric ListPerformanceMetrics performanceMetrics performance_metrics \
		"$metric" "${c%%:*}" "${c##*:}" struct "$tok"
done

# --- planning: campaigns, storyboards, chains
camp=$(sql "insert into public.campaigns (user_id, name) values ('$uid', 'sj') returning id" | head -n 1)
check planning GetCampaign ListCampaigns campaigns campaigns "$camp" concepts concepts struct_list "$tok"
sb=$(sql "insert into public.storyboard_sequences (user_id, name) values ('$uid', 'sj') returning id" | head -n 1)
check planning GetStoryboardSequence ListStoryboardSequences storyboardSequences storyboard_sequences "$sb" \
	frames frames msg_list "$tok"
chain=$(sql "insert into public.tool_preset_chains (user_id, name) values ('$uid', 'sj') returning id" | head -n 1)
check planning GetToolPresetChain ListToolPresetChains toolPresetChains tool_preset_chains "$chain" \
	tools tools msg_list "$tok"

# A tool step whose settings is no object reads as {"items": it}: the
# value is kept past the JSON reader's callback (fuzz_rowmap found it read
# from a dead stack frame).
tools='[{"tool_name": "a", "settings": 5}, {"tool_name": "b", "settings": "s"},
	{"tool_name": "c", "settings": [1, {"x": true}]}, {"tool_name": "d", "settings": null}]'
sql "update public.tool_preset_chains set tools = \$j\$$tools\$j\$::jsonb where id = '$chain'" >/dev/null
want='[{"toolName":"a","settings":{"items":5}},{"toolName":"b","settings":{"items":"s"}},{"toolName":"c","settings":{"items":[1,{"x":true}]}},{"toolName":"d"}]'
call "$PLANNING_ADDR" cameos.planning.v1.PlanningService/GetToolPresetChain "{\"id\": \"$chain\"}" "$tok"
is "$CODE/$(jq -c .tools <<<"$OUT")" "0/$want" "tool_preset_chains.tools with scalar settings reads them as {items: ...}"
call "$PLANNING_ADDR" cameos.planning.v1.PlanningService/ListToolPresetChains '{}' "$tok"
is "$CODE/$(jq -c '.toolPresetChains[0].tools' <<<"$OUT")" "0/$want" "and ListToolPresetChains too"

# --- credits: the ledger's metadata (no Get: the list)
txid=$(sql "select id from public.credit_transactions where user_id = '$uid' limit 1")
check credits "" ListCreditTransactions creditTransactions credit_transactions "$txid" metadata metadata \
	struct "$tok"

# --- deeper than the reader goes (65 levels): RESOURCE_EXHAUSTED, not INTERNAL
sql "update public.style_presets set style_data = \$j\$$(python3 -c 'print("{\"a\":" * 64 + "{}" + "}" * 64)')\$j\$::jsonb
	where id = '$preset'" >/dev/null
call "$CONTENT_ADDR" cameos.content.v1.ContentService/GetStylePreset "{\"id\": \"$preset\"}" "$tok"
expect_code 8 "GetStylePreset: style_data nested 65 levels is ResourceExhausted"
call "$CONTENT_ADDR" cameos.content.v1.ContentService/ListStylePresets '{}' "$tok"
expect_code 8 "ListStylePresets: a page starting with that row is ResourceExhausted"
sql "update public.style_presets set style_data = default where id = '$preset'" >/dev/null

# --- text[] with NULL elements, and an enum text the proto does not know
sql "update public.style_presets set tags = array['a', null, 'b'] where id = '$preset'" >/dev/null
call "$CONTENT_ADDR" cameos.content.v1.ContentService/GetStylePreset "{\"id\": \"$preset\"}" "$tok"
is "$CODE/$(jq -c .tags <<<"$OUT")" '0/["a","","b"]' "style_presets.tags with a NULL element reads it as \"\""
brand=$(sql "insert into public.brand_guidelines (user_id, brand_name, \"values\")
	values ('$uid', 'sj', array[null, 'x']) returning id" | head -n 1)
call "$PLANNING_ADDR" cameos.planning.v1.PlanningService/GetBrandGuideline "{\"id\": \"$brand\"}" "$tok"
is "$CODE/$(jq -c .values <<<"$OUT")" '0/["","x"]' "brand_guidelines.values with a NULL element"
call "$CONTENT_ADDR" cameos.content.v1.ContentService/GetPlatformConfiguration "{\"id\": \"$plat\"}" "$tok"
is "$CODE/$(jq -r '.aspectRatio // "UNSPECIFIED"' <<<"$OUT")" "0/UNSPECIFIED" \
	"platform_configurations.aspect_ratio '4:3' (no such enum value) reads as UNSPECIFIED"
call "$CONTENT_ADDR" cameos.content.v1.ContentService/ListPlatformConfigurations '{}' "$tok"
is "$CODE/$(jq '.platformConfigurations | length' <<<"$OUT")" "0/1" "and the list shows it"

sql "delete from auth.users where id = '$uid'" >/dev/null
done_testing
