package herokusim

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// blob is one object in the simulated S3 bucket behind POST /sources.
type blob struct {
	id       string
	expires  int64
	data     []byte
	uploaded bool
}

func (s *Server) createSource(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	b := &blob{id: s.id('d'), expires: s.now().Add(s.opts.URLTTL).Unix()}
	s.blobs[b.id] = b
	s.mu.Unlock()
	writeJSON(w, 201, map[string]any{"source_blob": map[string]string{
		"get_url": s.signedURL(r, "GET", b),
		"put_url": s.signedURL(r, "PUT", b),
	}})
}

// signedURL imitates an AWS SigV2 presigned URL: the signature covers the
// method, the object, the expiry and the (empty) Content-Type.
func (s *Server) signedURL(r *http.Request, method string, b *blob) string {
	exp := strconv.FormatInt(b.expires, 10)
	return fmt.Sprintf("http://%s/s3/%s?AWSAccessKeyId=ASIASIMULATOR&Expires=%s&Signature=%s",
		r.Host, b.id, exp, s.sign(method, b.id, exp, ""))
}

func s3Error(w http.ResponseWriter, status int, code, msg string, extra ...string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message>", code, msg)
	for i := 0; i+1 < len(extra); i += 2 {
		fmt.Fprintf(w, "<%s>%s</%s>", extra[i], extra[i+1], extra[i])
	}
	fmt.Fprint(w, "</Error>\n")
}

// serveStorage enforces what S3 enforces on presigned URLs.
func (s *Server) serveStorage(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Path[len("/s3/"):]
	s.mu.Lock()
	b := s.blobs[id]
	s.mu.Unlock()
	q := r.URL.Query()
	if r.Header.Get("Authorization") != "" {
		s3Error(w, 400, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")
		return
	}
	if b == nil {
		s3Error(w, 404, "NoSuchKey", "The specified key does not exist.")
		return
	}
	exp := q.Get("Expires")
	if q.Get("Signature") != s.sign(r.Method, id, exp, r.Header.Get("Content-Type")) {
		s3Error(w, 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		return
	}
	if e, _ := strconv.ParseInt(exp, 10, 64); s.now().Unix() > e {
		s3Error(w, 403, "AccessDenied", "Request has expired")
		return
	}
	switch r.Method {
	case http.MethodPut:
		if len(r.TransferEncoding) > 0 {
			s3Error(w, 501, "NotImplemented", "A header you provided implies functionality that is not implemented", "Header", "Transfer-Encoding")
			return
		}
		if r.ContentLength < 0 {
			s3Error(w, 411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
			return
		}
		data, err := io.ReadAll(io.LimitReader(r.Body, 5<<30))
		if err != nil || int64(len(data)) != r.ContentLength {
			s3Error(w, 400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header")
			return
		}
		s.mu.Lock()
		b.data, b.uploaded = data, true
		s.mu.Unlock()
		sum := md5.Sum(data)
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
		w.WriteHeader(200)
	case http.MethodGet:
		s.mu.Lock()
		data, ok := b.data, b.uploaded
		s.mu.Unlock()
		if !ok {
			s3Error(w, 404, "NoSuchKey", "The specified key does not exist.")
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data)
	default:
		s3Error(w, 405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
	}
}

// fetchBlob resolves a source_blob.url the way Heroku's build system would:
// it must be a valid, unexpired GET URL of an uploaded object.
func (s *Server) fetchBlob(raw string) (*blob, error) {
	req, err := http.NewRequest("GET", raw, nil)
	if err != nil {
		return nil, fmt.Errorf("invalid source URL")
	}
	if len(req.URL.Path) <= len("/s3/") || req.URL.Path[:4] != "/s3/" {
		return nil, fmt.Errorf("unable to fetch source: 404 Not Found")
	}
	id := req.URL.Path[len("/s3/"):]
	q := req.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.blobs[id]
	switch {
	case b == nil:
		return nil, fmt.Errorf("unable to fetch source: 404 Not Found")
	case q.Get("Signature") != s.sign("GET", id, q.Get("Expires"), ""):
		return nil, fmt.Errorf("unable to fetch source: 403 Forbidden")
	case !b.uploaded:
		return nil, fmt.Errorf("unable to fetch source: 404 Not Found (nothing was uploaded)")
	}
	if e, _ := strconv.ParseInt(q.Get("Expires"), 10, 64); time.Unix(e, 0).Before(s.now()) {
		return nil, fmt.Errorf("unable to fetch source: 403 Forbidden (expired)")
	}
	return b, nil
}
