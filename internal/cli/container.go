package cli

// ImageFlags are deploy's flags for container images: with --image or
// --image-for, deploy pushes and releases images (internal/container)
// instead of building a directory.
type ImageFlags struct {
	Image        string   `name:"image" env:"HEROKU_DEPLOY_CONTAINER_IMAGE" placeholder:"REF" help:"Deploy this container image (registry/path:tag or …@sha256:…) to a container-stack app instead of building --dir: read from its registry (the job token for $CI_REGISTRY, else DOCKER_AUTH_CONFIG, else anonymous), pushed to Heroku's registry as Docker v2 schema 2 linux/amd64 without a Docker daemon, and released for --process-types."`
	ProcessTypes []string `name:"process-types" env:"HEROKU_DEPLOY_PROCESS_TYPES" list:"" sep:"," placeholder:"TYPE,..." help:"Process types that run --image (default web); a release type runs release phase. promote: the types whose images are promoted (default web). Its variable holds a list: [\"web\", \"worker\"]."`
	ImageFor     []string `name:"image-for" env:"HEROKU_DEPLOY_IMAGE_FOR" list:"" sep:"none" placeholder:"TYPE=REF" help:"Give process type TYPE its own image; repeatable. $VARIABLES in REF are expanded (a reference holds no $). Its variable holds a list: [\"worker=$CI_REGISTRY_IMAGE/worker:TAG\"]."`
}

// PromoteImageFlags are promote's flags for container apps, whose images
// are promoted instead (internal/container).
type PromoteImageFlags struct {
	ProcessTypes         []string `name:"process-types" env:"HEROKU_DEPLOY_PROCESS_TYPES" list:"" sep:"," placeholder:"TYPE,..." help:"Container apps: the process types whose images are promoted (default web). Its variable holds a list: [\"web\", \"worker\"]."`
	ImageCommitUnknownOK bool     `name:"image-commit-unknown-ok" env:"HEROKU_DEPLOY_IMAGE_COMMIT_UNKNOWN_OK" help:"Container apps: promote an image without the org.opencontainers.image.revision label, whose commit cannot be checked (exit 5 otherwise)."`
}
