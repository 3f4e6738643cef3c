package kizuna

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// The types the API returns mirror the components of /api/v1/schema field for field
// (tests/api/test_sdk_models.py compares them): the shared ones are below, the others sit next to
// their service (repos.go, issues.go, pulls.go, …). Nullable fields are pointers; json tags are the
// API's names.

// Timestamp is an API time (ISO 8601 in UTC). It reads RFC 3339 with or without fractions, and dates.
type Timestamp struct{ time.Time }

// UnmarshalJSON reads an RFC 3339 time or a date.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"} {
		if parsed, err := time.Parse(layout, s); err == nil {
			t.Time = parsed.UTC()
			return nil
		}
	}
	return &time.ParseError{Layout: time.RFC3339, Value: s, Message: ": not an ISO 8601 time"}
}

// MarshalJSON writes RFC 3339 in UTC (2026-11-28T10:00:00Z).
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return json.Marshal(t.UTC().Format(time.RFC3339Nano))
}

// ActorID is an actor's id: a user's integer id, or an agent's UUID, as text.
type ActorID string

// UnmarshalJSON accepts a number or a string.
func (id *ActorID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = ActorID(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*id = ActorID(n.String())
	return nil
}

// MarshalJSON writes digits as a number and anything else as a string, as the server does.
func (id ActorID) MarshalJSON() ([]byte, error) {
	s := string(id)
	if s != "" && strings.Trim(s, "0123456789") == "" {
		return []byte(s), nil
	}
	return json.Marshal(s)
}

// Actor is who did something: {"id", "login", "type": "User" | "Agent" | "Deploy"}.
type Actor struct {
	ID    ActorID `json:"id"`
	Login string  `json:"login"`
	Type  string  `json:"type"`
}

// User is GET /user for a person.
type User struct {
	ID        int64      `json:"id"`
	Login     string     `json:"login"`
	Type      string     `json:"type"`
	Name      string     `json:"name"`
	Email     string     `json:"email"`
	SiteAdmin bool       `json:"site_admin"`
	CreatedAt *Timestamp `json:"created_at,omitempty"`
}

// Token is a personal or deploy token; Token holds the secret only in the answer that created it.
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Hint       string     `json:"hint"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  *Timestamp `json:"created_at,omitempty"`
	ExpiresAt  *Timestamp `json:"expires_at"`
	LastUsedAt *Timestamp `json:"last_used_at"`
	RevokedAt  *Timestamp `json:"revoked_at"`
	Token      string     `json:"token,omitempty"`
}
