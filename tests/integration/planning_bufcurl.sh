#!/usr/bin/env bash
# PlanningService end to end through `buf curl` and server reflection only
# (no proto files): brand guidelines, a campaign that uses them, a storyboard
# inside the campaign, the campaign moved draft -> active -> completed, then
# the clean-up. Needs PLANNING_ADDR and USER_TOKEN (a ready user).
source "$(dirname "${BASH_SOURCE[0]}")/lib.bash"
: "${USER_TOKEN:?USER_TOKEN is not set}"

SVC=cameos.planning.v1.PlanningService
RUN=$(date +%s%N)

# rpc METHOD JSON: calls the planning service as the user.
rpc() { call "$PLANNING_ADDR" "$SVC/$1" "$2" "$USER_TOKEN"; }
# get FILTER: a jq filter on the last response ("" when it fails).
get() { jq -r "$1" <<<"$OUT" 2>/dev/null || true; }

# --- brand guidelines
rpc CreateBrandGuideline "$(jq -nc --arg rid "bg-$RUN" '{
	brand_guideline: {brand_name: "Bufcurl Brand", values: ["craft", "honesty"],
		tone_of_voice: ["warm"], color_palette: ["#1A2B3C", "#fff"], fonts: "Inter"},
	request_id: $rid}')"
expect_code 0 "CreateBrandGuideline"
brand=$(get .id)
is "$(get '.colorPalette | join(",")')" "#1A2B3C,#fff" "brand colours round trip in order"
is "$(get '.values | join(",")')" "craft,honesty" "brand values round trip in order"

rpc CreateBrandGuideline "$(jq -nc --arg rid "bg-$RUN" '{
	brand_guideline: {brand_name: "Bufcurl Brand", values: ["craft", "honesty"],
		tone_of_voice: ["warm"], color_palette: ["#1A2B3C", "#fff"], fonts: "Inter"},
	request_id: $rid}')"
expect_code 0 "CreateBrandGuideline retried with the same request_id"
is "$(get .id)" "$brand" "the retry returns the original brand guidelines"

rpc CreateBrandGuideline '{"brand_guideline":{"brand_name":"Bad","color_palette":["red"]}}'
expect_code 3 "a colour that is not #RGB / #RRGGBB is InvalidArgument"

# --- a campaign using them
rpc CreateCampaign "$(jq -nc --arg b "$brand" '{campaign: {name: "Bufcurl Campaign",
	platform: ["tiktok", "youtube"], total_videos: 2, brand_guidelines_id: $b,
	concepts: [{hook: "Open on the product", beats: [1, 2.5, "three"], meta: {ok: true}}]}}')"
expect_code 0 "CreateCampaign with the brand guidelines"
campaign=$(get .id)
is "$(get .status)" "CAMPAIGN_STATUS_DRAFT" "a new campaign is a draft"
is "$(get .brandGuidelinesId)" "$brand" "the campaign uses the brand guidelines"
is "$(get '.concepts[0].beats | tojson')" '[1,2.5,"three"]' "concepts round trip as JSON"

rpc UpdateCampaign "$(jq -nc --arg id "$campaign" '{campaign: {id: $id,
	status: "CAMPAIGN_STATUS_COMPLETED"}, update_mask: "status"}')"
expect_code 9 "draft straight to completed is FailedPrecondition"

# --- a storyboard inside it
rpc CreateStoryboardSequence "$(jq -nc --arg c "$campaign" '{storyboard_sequence: {
	name: "Bufcurl Storyboard", campaign_id: $c, character_id: "hero",
	frames: [{index: 0, description: "Wide shot", duration_seconds: 4, shot: "wide"},
		{index: 1, description: "Close-up", duration_seconds: 6, camera: "push in"}]}}')"
expect_code 0 "CreateStoryboardSequence in the campaign"
story=$(get .id)
is "$(get .campaignId)" "$campaign" "the storyboard belongs to the campaign"
is "$(get .totalDuration)" "10" "total_duration is the sum of the frames"
is "$(get '.frames[1].camera')" "push in" "frames round trip"

rpc ListStoryboardSequences "$(jq -nc --arg c "$campaign" '{campaign_id: $c}')"
expect_code 0 "ListStoryboardSequences by campaign"
is "$(get '[.storyboardSequences[].id] | join(",")')" "$story" "the campaign lists its storyboard"

# --- draft -> active -> completed
rpc UpdateCampaign "$(jq -nc --arg id "$campaign" '{campaign: {id: $id,
	status: "CAMPAIGN_STATUS_ACTIVE"}, update_mask: "status"}')"
expect_code 0 "UpdateCampaign draft -> active"
is "$(get .status)" "CAMPAIGN_STATUS_ACTIVE" "the campaign is active"

rpc UpdateCampaign "$(jq -nc --arg id "$campaign" '{campaign: {id: $id,
	status: "CAMPAIGN_STATUS_COMPLETED", completed_videos: 2},
	update_mask: "status,completedVideos"}')"
expect_code 0 "UpdateCampaign active -> completed"
is "$(get .status)" "CAMPAIGN_STATUS_COMPLETED" "the campaign is completed"
is "$(get .completedVideos)" "2" "completed_videos moved with it"
if [[ -n $(get '.completedAt // empty') ]]; then
	pass "completed_at is set"
else
	fail "completed_at is set" "$OUT"
fi

rpc ListCampaigns '{"status":"CAMPAIGN_STATUS_COMPLETED","platform":"youtube","page_size":1000}'
expect_code 0 "ListCampaigns by status and platform"
is "$(get "any(.campaigns[]; .id == \"$campaign\")")" "true" "the completed campaign is listed"

rpc UpdateCampaign "$(jq -nc --arg id "$campaign" '{campaign: {id: $id,
	status: "CAMPAIGN_STATUS_ACTIVE"}, update_mask: "status"}')"
expect_code 9 "completed -> active is FailedPrecondition"

# --- clean-up: the storyboard outlives its campaign, without it
rpc DeleteCampaign "{\"id\":\"$campaign\"}"
expect_code 0 "DeleteCampaign"
rpc GetStoryboardSequence "{\"id\":\"$story\"}"
expect_code 0 "the storyboard stays"
is "$(get '.campaignId // ""')" "" "its campaign_id is unset"
rpc DeleteStoryboardSequence "{\"id\":\"$story\"}"
expect_code 0 "DeleteStoryboardSequence"
rpc DeleteBrandGuideline "{\"id\":\"$brand\"}"
expect_code 0 "DeleteBrandGuideline"
rpc GetBrandGuideline "{\"id\":\"$brand\"}"
expect_code 5 "deleted brand guidelines are NotFound"

done_testing
