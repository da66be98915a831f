# The seed's Make targets, kept for habit; each delegates to kfc.
#   make build/jupyterlab-cpu REPO=registry.example/ns TAG=my-branch DARGS="--no-cache"
#   make post-build/jupyterlab-cpu [SOURCE_FULL_IMAGE_NAME=other/image:tag] [IS_LATEST=true]
#   make push/IMAGE  make pull/IMAGE  make dev/IMAGE [PORT=8890] [NB_PREFIX=/notebook/me/x]  make test/IMAGE
KFC ?= node $(CURDIR)/bin/kfc.js
REPO ?=
TAG ?=
DARGS ?=
NB_PREFIX ?=
PORT ?=
SOURCE_FULL_IMAGE_NAME ?=
IS_LATEST ?=

repo_flag = $(if $(REPO),--repo $(REPO))
tag_flag = $(if $(TAG),--tag $(TAG))
dargs = $(foreach a,$(DARGS),--docker-arg=$(a))

.PHONY: generate-dockerfiles check lint install
install:
	npm ci
generate-dockerfiles:
	$(KFC) generate
check:
	$(KFC) generate --check
lint:
	$(KFC) lint

build/%:
	$(KFC) build $* $(repo_flag) $(tag_flag) $(dargs)
post-build/%:
	$(KFC) tag $* $(repo_flag) $(tag_flag) \
	  $(if $(SOURCE_FULL_IMAGE_NAME),--source $(SOURCE_FULL_IMAGE_NAME)) $(if $(filter true,$(IS_LATEST)),--release)
push/%:
	$(KFC) push $* $(repo_flag)
pull/%:
	$(KFC) pull $* $(repo_flag) $(tag_flag)
dev/%:
	$(KFC) dev $* $(repo_flag) $(tag_flag) $(if $(PORT),--port $(PORT)) $(if $(NB_PREFIX),--prefix $(NB_PREFIX)) $(dargs)
test/%:
	$(KFC) test $* $(repo_flag) $(tag_flag) $(if $(NB_PREFIX),--prefix $(NB_PREFIX))
