//! One octocrab-based GitHub client with retries and the helpers Slipway needs.
