package herokuapi

import (
	"context"

	heroku "github.com/heroku/heroku-go/v6"
)

// Coupling is an app's place in a pipeline: the pipeline's id and the
// stage (test, review, development, staging, production).
type Coupling = heroku.PipelineCoupling

// Promotion is a pipeline promotion: a source release, released on each
// target app without a build.
type Promotion = heroku.PipelinePromotion

// PromotionTarget is one target of a promotion: pending, then succeeded
// (its release set) or failed (its error_message set).
type PromotionTarget = heroku.PipelinePromotionTarget

// CouplingOf returns the app's pipeline coupling. Heroku answers 404 for
// an app in no pipeline.
func (c *Client) CouplingOf(ctx context.Context, app string) (*Coupling, error) {
	p, err := c.api.PipelineCouplingInfoByApp(ctx, app)
	if err != nil {
		return nil, Clean(err)
	}
	return p, nil
}

// PromotionRequest is what a promotion promotes: the source app's release
// (pinned, so a release landing on the source meanwhile is not the one
// promoted) to the target apps, all by id.
type PromotionRequest struct {
	Pipeline, SourceApp, SourceRelease string
	Targets                            []string
}

// PromotionCreate starts a promotion. It is a POST that must not run
// twice: it is not retried after an ambiguous failure.
func (c *Client) PromotionCreate(ctx context.Context, r PromotionRequest) (*Promotion, error) {
	var o heroku.PipelinePromotionCreateOpts
	o.Pipeline.ID = r.Pipeline
	o.Source.App = &struct {
		ID *string `json:"id,omitempty" url:"id,omitempty,key"`
	}{ID: &r.SourceApp}
	o.Source.Release = &struct {
		ID *string `json:"id,omitempty" url:"id,omitempty,key"`
	}{ID: &r.SourceRelease}
	for _, t := range r.Targets {
		target := struct {
			App *struct {
				ID *string `json:"id,omitempty" url:"id,omitempty,key"`
			} `json:"app,omitempty" url:"app,omitempty,key"`
		}{}
		target.App = &struct {
			ID *string `json:"id,omitempty" url:"id,omitempty,key"`
		}{ID: &t}
		o.Targets = append(o.Targets, target)
	}
	p, err := c.api.PipelinePromotionCreate(ctx, o)
	if err != nil {
		return nil, Clean(err)
	}
	return p, nil
}

// PromotionTargets returns the promotion's targets with their status.
func (c *Client) PromotionTargets(ctx context.Context, promotion string) ([]PromotionTarget, error) {
	l, err := c.api.PipelinePromotionTargetList(ctx, promotion, nil)
	if err != nil {
		return nil, Clean(err)
	}
	return l, nil
}

// PipelineID returns the id of a pipeline named by name or id.
func (c *Client) PipelineID(ctx context.Context, pipeline string) (string, error) {
	p, err := c.api.PipelineInfo(ctx, pipeline)
	if err != nil {
		return "", Clean(err)
	}
	return p.ID, nil
}

// PipelineName returns the name of a pipeline named by name or id.
func (c *Client) PipelineName(ctx context.Context, pipeline string) (string, error) {
	p, err := c.api.PipelineInfo(ctx, pipeline)
	if err != nil {
		return "", Clean(err)
	}
	return p.Name, nil
}

// Couple puts app into a pipeline (by id) at stage. An app in a pipeline
// already is refused, with a 422 that is inferred
// (internal/herokusim/README.md, "Pipelines and promotions"): callers read
// the coupling back rather than trust the status.
func (c *Client) Couple(ctx context.Context, app, pipelineID, stage string) (*Coupling, error) {
	p, err := c.api.PipelineCouplingCreate(ctx, heroku.PipelineCouplingCreateOpts{App: app, Pipeline: pipelineID, Stage: stage})
	if err != nil {
		return nil, Clean(err)
	}
	return p, nil
}
