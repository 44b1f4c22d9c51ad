# Builds the Windows installer: PyInstaller folder -> WiX v5 MSI.
#   pwsh packaging/windows/build-msi.ps1            (from the repository root)
# Needs Python 3.11 (the build dependencies are installed from packaging\requirements.lock,
# hash-checked, into its environment first) and the .NET SDK (for `dotnet tool install wix`).
# Output: packaging/dist/timetray-<version>-x64.msi
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

python -m pip install -q --require-hashes -r packaging\requirements.lock
if ($LASTEXITCODE -ne 0) { throw "installing packaging\requirements.lock failed" }

$Version = (python -c "import app; print(app.__version__)").Trim()
New-Item -ItemType Directory -Force packaging\build\icons | Out-Null
python packaging\render_icons.py --ico packaging\build\icons\timetray.ico
if ($LASTEXITCODE -ne 0) { throw "icon rendering failed" }

python -m PyInstaller --noconfirm --distpath packaging\dist --workpath packaging\build packaging\timetray.spec
if ($LASTEXITCODE -ne 0) { throw "PyInstaller failed" }

if (-not (Get-Command wix -ErrorAction SilentlyContinue)) {
    dotnet tool install --global wix --version 5.0.2
    $env:PATH += ";$env:USERPROFILE\.dotnet\tools"
}
$Msi = "packaging\dist\timetray-$Version-x64.msi"
# Absolute paths: WiX resolves relative ones against the .wxs file's folder.
$Bundle = (Resolve-Path packaging\dist\timetray).Path
$Icon = (Resolve-Path packaging\build\icons\timetray.ico).Path
wix build packaging\windows\timetray.wxs -arch x64 `
    -d Version=$Version `
    -d BundleDir=$Bundle `
    -d IconFile=$Icon `
    -o $Msi
if ($LASTEXITCODE -ne 0) { throw "wix build failed" }
Get-Item $Msi | Select-Object Name, Length
