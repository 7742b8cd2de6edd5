// Command flow is the Smart Cameos example client in Go: the code that a back
// end calling the services writes, over the stubs that buf.gen.yaml generates
// into gen/go. It runs one real flow and checks each answer:
//
//  1. CreateUser (service role): a new user, who starts with 100 credits;
//  2. GrantCredits (service role) of 50, under a request_id, so that a retry
//     can never grant twice;
//  3. CreateGeneration as the user (a Veo 2 video, 40 credits);
//  4. WatchGeneration until a worker completes it (a worker must be running:
//     examples/run.sh starts the reference worker);
//  5. ListCreditTransactions as the user: the ledger, newest first;
//  6. a SpendCredits the balance cannot cover, to read the error a program
//     acts on: google.rpc.ErrorInfo's reason, not the English message.
//
// Environment: CREDITS_ADDR, CONTENT_ADDR, SERVICE_TOKEN (a service_role
// JWT), JWT_SECRET (to sign the new user's token here; a real back end
// forwards the token its user signed in with), CAMEOS_SERVICE_CONFIG (the
// service config JSON, deploy/grpc-service-config.json). grpc-go before 1.40
// (Debian 12 ships 1.33) applies the config's retry policy only with
// GRPC_GO_RETRY=on in the environment.
//
// It prints one line per step and exits 0, or 1 with the reason on the first
// answer that is not what the flow expects.
package main

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	contentv1 "cameos.dev/api/gen/go/cameos/content/v1"
	creditsv1 "cameos.dev/api/gen/go/cameos/credits/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "go example:", err)
		os.Exit(1)
	}
	fmt.Println("flow complete")
}

func run() error {
	config, err := os.ReadFile(env("CAMEOS_SERVICE_CONFIG"))
	if err != nil {
		return err
	}
	dial := func(addr string) (*grpc.ClientConn, error) {
		return grpc.Dial(addr, grpc.WithInsecure(), grpc.WithDefaultServiceConfig(string(config)))
	}
	creditsConn, err := dial(env("CREDITS_ADDR"))
	if err != nil {
		return err
	}
	defer creditsConn.Close()
	contentConn, err := dial(env("CONTENT_ADDR"))
	if err != nil {
		return err
	}
	defer contentConn.Close()
	credits := creditsv1.NewCreditsServiceClient(creditsConn)
	content := contentv1.NewContentServiceClient(contentConn)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	service := withToken(ctx, env("SERVICE_TOKEN"))

	// 1. A new user: the database gives every new user 100 credits.
	profile, err := credits.CreateUser(service, &creditsv1.CreateUserRequest{
		User: &creditsv1.User{Email: "go-example-" + randomHex(6) + "@cameos.local"},
	})
	if err != nil {
		return fmt.Errorf("CreateUser: %w", err)
	}
	fmt.Printf("user %s created with %d credits\n", profile.Id, profile.Credits)
	user := withToken(ctx, userToken(profile.Id))

	// 2. A grant under a request_id: repeating the call returns the first
	// answer, so a timeout can be retried without granting twice.
	grant := &creditsv1.GrantCreditsRequest{UserId: profile.Id, Amount: 50,
		Description: "go example", RequestId: "go-example-grant-" + randomHex(8)}
	granted, err := credits.GrantCredits(service, grant)
	if err != nil {
		return fmt.Errorf("GrantCredits: %w", err)
	}
	again, err := credits.GrantCredits(service, grant)
	if err != nil || again.Transaction.Id != granted.Transaction.Id {
		return fmt.Errorf("a repeated GrantCredits is not the same grant: %v", err)
	}
	fmt.Printf("granted 50: balance %d\n", granted.Balance)

	// 3. A generation, paid for in the same transaction.
	gen, err := content.CreateGeneration(user, &contentv1.CreateGenerationRequest{
		Generation: &contentv1.Generation{
			Prompt:      "go example: a lighthouse in a storm",
			Model:       contentv1.Model_MODEL_VEO_2,
			AspectRatio: contentv1.AspectRatio_ASPECT_RATIO_16_9,
			Resolution:  contentv1.Resolution_RESOLUTION_720P,
			Mode:        contentv1.GenerationMode_GENERATION_MODE_TEXT_TO_VIDEO,
		},
		RequestId: "go-example-gen-" + randomHex(8),
	})
	if err != nil {
		return fmt.Errorf("CreateGeneration: %w", err)
	}
	fmt.Printf("generation %s queued: %d credits\n", gen.Id, gen.CreditsUsed)

	// 4. Its state now, then every change, until it finishes.
	stream, err := content.WatchGeneration(user, &contentv1.WatchGenerationRequest{Id: gen.Id})
	if err != nil {
		return fmt.Errorf("WatchGeneration: %w", err)
	}
	var last *contentv1.Generation
	for {
		g, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("WatchGeneration: %w", err)
		}
		fmt.Printf("watch: %s %s\n", g.Status, g.VideoUrl)
		last = g
	}
	if last == nil || last.Status != contentv1.GenerationStatus_GENERATION_STATUS_SUCCESS {
		return fmt.Errorf("the watch ended before SUCCESS: %v", last)
	}

	// 5. The ledger, newest first, page by page.
	var amounts []int32
	req := &creditsv1.ListCreditTransactionsRequest{PageSize: 2}
	for {
		page, err := credits.ListCreditTransactions(user, req)
		if err != nil {
			return fmt.Errorf("ListCreditTransactions: %w", err)
		}
		for _, t := range page.CreditTransactions {
			fmt.Printf("ledger: %s %+d %s\n", t.TransactionType, t.Amount, t.Description)
			amounts = append(amounts, t.Amount)
		}
		if page.NextPageToken == "" {
			break
		}
		req.PageToken = page.NextPageToken
	}
	if fmt.Sprint(amounts) != "[-40 50 100]" {
		return fmt.Errorf("ledger %v, expected [-40 50 100]", amounts)
	}

	// 6. An error to act on: the reason is stable, the message is for people.
	_, err = credits.SpendCredits(service, &creditsv1.SpendCreditsRequest{
		UserId: profile.Id, Amount: 1000000, RequestId: "go-example-spend-" + randomHex(8)})
	st := status.Convert(err)
	reason, domain := "", ""
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			reason, domain = info.Reason, info.Domain
		}
	}
	fmt.Printf("error: %s %s (%s)\n", st.Code(), reason, domain)
	if st.Code() != codes.FailedPrecondition || reason != "INSUFFICIENT_CREDITS" {
		return fmt.Errorf("SpendCredits past the balance: %v, reason %q", err, reason)
	}

	balance, err := credits.GetProfile(user, &creditsv1.GetProfileRequest{})
	if err != nil {
		return fmt.Errorf("GetProfile: %w", err)
	}
	fmt.Printf("balance %d\n", balance.Credits)
	if balance.Credits != 110 {
		return fmt.Errorf("balance %d, expected 110", balance.Credits)
	}
	return nil
}

func env(name string) string {
	v := os.Getenv(name)
	if v == "" {
		fmt.Fprintf(os.Stderr, "go example: %s is not set\n", name)
		os.Exit(2)
	}
	return v
}

func withToken(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

// userToken signs an HS256 JWT for the user, in the shape Supabase issues:
// only this example does that; a back end forwards its user's own token.
func userToken(userID string) string {
	enc := base64.RawURLEncoding
	now := time.Now().Unix()
	claims, _ := json.Marshal(map[string]interface{}{
		"sub": userID, "role": "authenticated", "iat": now, "exp": now + 600})
	signed := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, []byte(env("JWT_SECRET")))
	mac.Write([]byte(signed))
	return signed + "." + enc.EncodeToString(mac.Sum(nil))
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
