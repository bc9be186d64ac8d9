package herokuapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"

	heroku "github.com/heroku/heroku-go/v6"
)

// Formation is one process type of an app: how many dynos of what size
// Heroku keeps running for it.
type Formation = heroku.Formation

// FormationSize is the dyno size of a process type: dyno_size.name, or the
// deprecated size when an answer carries only that.
func FormationSize(f Formation) string {
	if f.DynoSize.Name != "" {
		return f.DynoSize.Name
	}
	return f.Size
}

// FormationUpdate is one process type to change: its quantity, its size
// ("" leaves the size as it is), or both.
type FormationUpdate struct {
	Type     string
	Quantity *int
	Size     string
}

// processTypeRE is the schema's pattern for a process type
// (formation/definitions/type: ^[-\w]{1,128}$).
var processTypeRE = regexp.MustCompile(`^[-\w]{1,128}$`)

// ValidProcessType applies the schema's rule for process type names.
func ValidProcessType(t string) bool { return processTypeRE.MatchString(t) }

// FormationList reads the app's formation: every process type of its
// current release, with quantity and size. An answer whose entries lack a
// type or hold a negative quantity is no answer (fail closed).
func (c *Client) FormationList(ctx context.Context, app string) ([]Formation, error) {
	list, err := c.api.FormationList(ctx, app, nil)
	if err != nil {
		return nil, shapeless("GET", "/apps/"+app+"/formation", err)
	}
	if err := checkFormation(list); err != nil {
		return nil, &Error{Method: "GET", Path: "/apps/" + app + "/formation", Status: 200, ID: "invalid_response", Message: err.Error()}
	}
	return list, nil
}

// FormationBatchUpdate sets the quantity and size of several process types
// in one request (PATCH /apps/{app}/formation). Its quantities are absolute,
// so repeating it after an ambiguous failure sets the same formation: it is
// retried like a read. The answer is not proof of the result: callers read
// the formation back.
func (c *Client) FormationBatchUpdate(ctx context.Context, app string, updates []FormationUpdate) ([]Formation, error) {
	var o heroku.FormationBatchUpdateOpts
	for _, u := range updates {
		var e struct {
			DynoSize *struct {
				ID   *string `json:"id,omitempty" url:"id,omitempty,key"`
				Name *string `json:"name,omitempty" url:"name,omitempty,key"`
			} `json:"dyno_size,omitempty" url:"dyno_size,omitempty,key"`
			Quantity *int   `json:"quantity,omitempty" url:"quantity,omitempty,key"`
			Type     string `json:"type" url:"type,key"`
		}
		e.Type, e.Quantity = u.Type, u.Quantity
		if u.Size != "" {
			size := u.Size
			e.DynoSize = &struct {
				ID   *string `json:"id,omitempty" url:"id,omitempty,key"`
				Name *string `json:"name,omitempty" url:"name,omitempty,key"`
			}{Name: &size}
		}
		o.Updates = append(o.Updates, e)
	}
	list, err := c.api.FormationBatchUpdate(retrySafe(ctx), app, o)
	if err != nil {
		return nil, shapeless("PATCH", "/apps/"+app+"/formation", err)
	}
	return list, nil
}

// RestartAll restarts every dyno of the app (DELETE /apps/{app}/dynos,
// dpl's --run restart). Heroku answers 202, with {} or nothing.
func (c *Client) RestartAll(ctx context.Context, app string) error {
	_, err := c.api.DynoRestartAll(ctx, app)
	if errors.Is(err, io.EOF) {
		return nil // 202 with an empty body
	}
	return shapeless("DELETE", "/apps/"+app+"/dynos", err)
}

// RestartType restarts the dynos of one process type: DELETE
// /apps/{app}/formations/{type}, the schema's "Restart formation" link
// (heroku-go v6 DynoRestartFormation) and what the Heroku CLI's
// `ps:restart --process-type` sends (heroku/cli
// packages/cli/src/commands/ps/restart.ts). DELETE /apps/{app}/dynos/{name}
// restarts one dyno by name (web.1), not a type.
func (c *Client) RestartType(ctx context.Context, app, typ string) error {
	_, err := c.api.DynoRestartFormation(ctx, app, typ)
	if errors.Is(err, io.EOF) {
		return nil
	}
	return shapeless("DELETE", "/apps/"+app+"/formations/"+typ, err)
}

// checkFormation refuses a formation that is not one: an entry without a
// type, or with a negative quantity.
func checkFormation(list []Formation) error {
	for _, f := range list {
		if f.Type == "" || f.Quantity < 0 {
			return errors.New("a process type without a name or with a negative quantity: not a formation")
		}
	}
	return nil
}

// shapeless turns an answer heroku-go could not decode (JSON of the wrong
// shape: an object where a list was due, a string for a number) into the
// invalid_response error a garbled body is: unknown, never empty.
func shapeless(method, path string, err error) error {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	if errors.As(err, &te) || errors.As(err, &se) {
		return &Error{Method: method, Path: path, Status: 200, ID: "invalid_response",
			Message: fmt.Sprintf("the answer is JSON of another shape than the API's (%v)", err)}
	}
	return Clean(err)
}

// answerMethod is the method whose answer shape req's answer must have:
// the formation batch update answers a list of process types, as a list
// GET does (schema: formation "Batch Update", targetSchema an array).
func answerMethod(req *http.Request) string {
	if req.Method == http.MethodPatch && strings.HasPrefix(req.URL.Path, "/apps/") && strings.HasSuffix(req.URL.Path, "/formation") &&
		strings.Count(req.URL.Path, "/") == 3 {
		return http.MethodGet
	}
	return req.Method
}
