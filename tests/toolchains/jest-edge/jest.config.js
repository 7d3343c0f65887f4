// Vercel's documented way to test Edge code: Jest in the Edge Runtime's sandbox. Nothing else.
module.exports = { testEnvironment: "@edge-runtime/jest-environment" };
