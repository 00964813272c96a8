// Package requestid is a Traefik middleware (local plugin, run by Traefik's Yaegi interpreter):
// it sets X-Request-Id on requests that lack a usable one, passes it on and echoes it back.
// Traefik OSS has no request-id middleware, and a catalogue plugin would need network access.
package requestid

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
)

// Config is the middleware configuration.
type Config struct {
	HeaderName string `json:"headerName,omitempty"`
}

// CreateConfig returns the default configuration.
func CreateConfig() *Config {
	return &Config{HeaderName: "X-Request-Id"}
}

type requestID struct {
	next   http.Handler
	header string
}

// New builds the middleware.
func New(_ context.Context, next http.Handler, config *Config, _ string) (http.Handler, error) {
	header := config.HeaderName
	if header == "" {
		header = "X-Request-Id"
	}
	return &requestID{next: next, header: header}, nil
}

// usable accepts a client id only when it is short and made of safe characters,
// so nothing odd reaches the services' logs.
func usable(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range id {
		ok := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

func (r *requestID) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	id := req.Header.Get(r.header)
	if !usable(id) {
		buf := make([]byte, 16)
		_, _ = rand.Read(buf)
		id = hex.EncodeToString(buf)
		req.Header.Set(r.header, id)
	}
	rw.Header().Set(r.header, id)
	r.next.ServeHTTP(rw, req)
}
