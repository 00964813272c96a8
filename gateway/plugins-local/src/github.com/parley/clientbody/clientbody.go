// Package clientbody is a Traefik middleware (local plugin, run by Traefik's Yaegi interpreter):
// a request whose body breaks on the client's side (malformed chunked encoding, an upload closed
// mid-body) ends as 499 Client Closed Request instead of Traefik's 500.
//
// Why: Traefik's passive health check (passiveHealthCheck, 3.x) counts every 5xx of a forwarded
// request against the replica it was sent to, Traefik's own 500 included. A body read error
// reaches Traefik's proxy as a plain error, which it answers with 500; a few broken uploads would
// take a healthy replica out of rotation and every other user would get 503. Traefik maps an
// error wrapping context.Canceled to 499, which the passive check does not count.
package clientbody

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// Config is the middleware configuration (nothing to set).
type Config struct{}

// CreateConfig returns the default configuration.
func CreateConfig() *Config {
	return &Config{}
}

type clientBody struct {
	next http.Handler
}

// New builds the middleware.
func New(_ context.Context, next http.Handler, _ *Config, _ string) (http.Handler, error) {
	return &clientBody{next: next}, nil
}

// guardedBody passes reads through; a read error other than the end of the body is the
// client's, so it is reported as a cancelled request.
type guardedBody struct {
	body io.ReadCloser
}

func (g *guardedBody) Read(p []byte) (int, error) {
	n, err := g.body.Read(p)
	if err != nil && err != io.EOF {
		return n, fmt.Errorf("reading the client's request body: %v: %w", err, context.Canceled)
	}
	return n, err
}

func (g *guardedBody) Close() error {
	return g.body.Close()
}

func (c *clientBody) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	// Requests without a body (GET, most of the traffic) pass untouched.
	if req.Body != nil && req.Body != http.NoBody {
		req.Body = &guardedBody{body: req.Body}
	}
	c.next.ServeHTTP(rw, req)
}
