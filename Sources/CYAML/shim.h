// Debian's libyaml (libyaml-dev): the YAML 1.1 parser and emitter, through its event API (yaml.h).
#include <yaml.h>
