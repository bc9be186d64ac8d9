module gitlab.com/heroku-deploy/heroku

go 1.26

require (
	github.com/alecthomas/kong v1.17.0
	// The registry protocol (challenges, token exchange, uploads, mounts,
	// retries) for container deploys: +1.08 MB to the stripped binary,
	// under issue 22's 3 MB bar. Its in-memory pkg/registry is not used.
	github.com/google/go-containerregistry v0.22.1
	github.com/hashicorp/go-cleanhttp v0.5.2
	github.com/hashicorp/go-retryablehttp v0.7.8
	// v6 is heroku-go's current major: v5 has no app generation, reads web_url
	// as a plain string though the schema allows null, and has no OCI images,
	// eligible_for_rollback or source.release on promotions.
	github.com/heroku/heroku-go/v6 v6.1.0
	github.com/klauspost/pgzip v1.3.0
	github.com/rogpeppe/go-internal v1.16.0
	github.com/santhosh-tekuri/jsonschema/v6 v6.0.2
	go.yaml.in/yaml/v3 v3.0.4
	golang.org/x/sync v0.22.0
)

require (
	github.com/cenkalti/backoff v2.1.1+incompatible // indirect
	github.com/docker/cli v29.7.2+incompatible // indirect
	github.com/docker/docker-credential-helpers v0.9.3 // indirect
	github.com/google/go-querystring v1.0.0 // indirect
	github.com/google/uuid v1.0.0 // indirect
	github.com/klauspost/compress v1.20.4 // indirect
	github.com/opencontainers/go-digest v1.0.0 // indirect
	github.com/opencontainers/image-spec v1.1.1 // indirect
	github.com/pborman/uuid v1.2.0 // indirect
	github.com/sirupsen/logrus v1.9.4 // indirect
	golang.org/x/sys v0.47.0 // indirect
	golang.org/x/text v0.14.0 // indirect
	golang.org/x/tools v0.49.0 // indirect
	gotest.tools/v3 v3.5.2 // indirect
)
