package herokuapi

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/hashicorp/go-retryablehttp"
	heroku "github.com/heroku/heroku-go/v6"
)

// Source is an upload slot: a presigned PUT URL and the GET URL a build
// reads it from. Both are credentials.
type Source = heroku.Source

// SourceCreate hands out a presigned upload slot. It is safe to repeat.
func (c *Client) SourceCreate(ctx context.Context) (*Source, error) {
	s, err := c.api.SourceCreate(retrySafe(ctx))
	if err != nil {
		return nil, Clean(err)
	}
	return s, nil
}

// Upload PUTs size bytes to a presigned storage URL by S3's rules: an exact
// Content-Length (S3 refuses chunked uploads), no Content-Type (it is part
// of the signature), no Authorization. open is called for every attempt, so
// a retry re-reads the file instead of holding it in memory. A refusal
// reads as *Error with S3's error code as its ID.
func (c *Client) Upload(ctx context.Context, putURL string, size int64, open func() (io.ReadCloser, error)) error {
	body := retryablehttp.ReaderFunc(func() (io.Reader, error) { return open() })
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPut, putURL, body)
	if err != nil {
		return cleanErr(&url.Error{Op: "PUT", URL: putURL, Err: err})
	}
	req.ContentLength = size
	req.Header.Del("Content-Type")
	resp, err := c.upload.client().Do(req)
	if err != nil {
		return cleanErr(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return nil
	}
	return &Error{Method: "PUT", Path: "(source upload)", Status: resp.StatusCode,
		ID: s3Code(resp.Body), Message: http.StatusText(resp.StatusCode)}
}

// s3Code reads the <Code> of an S3 XML error body.
func s3Code(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 4096))
	s := string(b)
	i, j := strings.Index(s, "<Code>"), strings.Index(s, "</Code>")
	if i < 0 || j < i {
		return ""
	}
	return s[i+6 : j]
}
