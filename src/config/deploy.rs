//! tug.yaml section(s) read by the deploy engine. (Owned by that engine; filled in with it.)

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentConfig {}
