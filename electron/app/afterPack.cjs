// electron-builder's afterPack hook: flips the Electron fuses of the packaged binary before it
// is signed. CommonJS because electron-builder loads hooks with require().
const path = require('node:path');
const { flipFuses, FuseVersion, FuseV1Options } = require('@electron/fuses');

/** The fuses of a packaged callsim: what the binary can never be made to do at run time. */
function fuseConfig() {
  return {
    version: FuseVersion.V1,
    // ELECTRON_RUN_AS_NODE would turn the app into a plain Node.js.
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
    // NODE_OPTIONS and --inspect would let anyone inject code into the main process.
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    // The app's code comes from its signed app.asar, checked, and from nowhere else.
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    // The UI is served from app://, so file:// needs no extra privileges.
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
    // No separate browser-process V8 snapshot is shipped; WebAssembly keeps V8's fast bounds checks.
    [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
    [FuseV1Options.WasmTrapHandlers]: true,
    // A fuse a newer @electron/fuses adds stops the build until it is decided here.
    strictlyRequireAllFuses: true,
  };
}

/** The packaged executable electron-builder produced, per platform. */
function executablePath(context) {
  const name = context.packager.appInfo.productFilename;
  switch (context.electronPlatformName) {
    case 'darwin':
    case 'mas':
      return path.join(context.appOutDir, `${name}.app`);
    case 'win32':
      return path.join(context.appOutDir, `${name}.exe`);
    default:
      return path.join(context.appOutDir, context.packager.executableName);
  }
}

async function afterPack(context) {
  const { Arch } = require('electron-builder');
  const darwin = context.electronPlatformName === 'darwin' || context.electronPlatformName === 'mas';
  // arm64 macOS binaries are ad-hoc signed; flipping fuses invalidates that signature.
  await flipFuses(executablePath(context), { ...fuseConfig(), resetAdHocDarwinSignature: darwin && context.arch === Arch.arm64 });
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.fuseConfig = fuseConfig;
module.exports.executablePath = executablePath;
