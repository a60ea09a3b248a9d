"""The rule catalogue: every rule, one file each, in one folder per family."""

from __future__ import annotations

from .contract.dpl701_undeclared_parameter import UndeclaredParameter
from .contract.dpl702_undeclared_credential import UndeclaredCredential
from .contract.dpl703_parameters_model_field_undeclared import ParametersModelField
from .contract.dpl704_optional_parameter_indexed import OptionalParameterIndexed
from .contract.dpl705_invoke_not_generator import InvokeNotGenerator
from .contract.dpl706_invoke_yields_non_message import InvokeYieldsNonMessage
from .contract.dpl707_dynamic_select_without_options import DynamicSelectWithoutOptions
from .contract.dpl708_validate_credentials_missing import ValidateCredentialsMissing
from .contract.dpl709_oauth_methods_missing import OAuthMethodsMissing
from .contract.dpl710_select_default_not_in_options import SelectDefaultNotInOptions
from .contract.dpl711_unread_parameter import UnreadParameter
from .declarations.dpl201_declaration_invalid import DeclarationInvalid
from .declarations.dpl202_unknown_key import UnknownKey
from .declarations.dpl203_invalid_scope import InvalidScope
from .declarations.dpl204_invalid_multiple import InvalidMultiple
from .declarations.dpl205_duplicate_name import DuplicateName
from .declarations.dpl206_credentials_schema_ignored import IgnoredCredentials
from .declarations.dpl207_non_string_key import NonStringKey
from .internal.dpl001_yaml_syntax_error import YamlSyntaxError
from .internal.dpl002_python_syntax_error import PythonSyntaxError
from .internal.dpl003_unreadable_file import UnreadableFile
from .internal.dpl004_duplicate_key import DuplicateKey
from .internal.dpl005_internal_error import InternalError
from .internal.dpl006_resource_limit import ResourceLimit
from .internal.dpl010_unused_suppression import UnusedSuppression
from .manifest.dpl101_manifest_invalid import ManifestInvalid
from .manifest.dpl102_manifest_unknown_key import ManifestUnknownKey
from .manifest.dpl103_plugin_category_conflict import PluginCategoryConflict
from .manifest.dpl104_multiple_providers import MultipleProviders
from .manifest.dpl105_marketplace_metadata import MarketplaceMetadata
from .manifest.dpl106_marketplace_readme import MarketplaceReadme
from .manifest.dpl107_marketplace_privacy_policy import MarketplacePrivacyPolicy
from .manifest.dpl120_bundle_manifest_invalid import BundleManifestInvalid
from .models.dpl401_scope_mismatch import ScopeMismatch
from .models.dpl402_llm_config_missing_mode import LlmConfigMissingMode
from .models.dpl403_llm_config_missing_completion_params import LlmConfigMissingCompletionParams
from .models.dpl404_wrong_model_config import WrongModelConfig
from .models.dpl405_session_call_signature import SessionCallSignature
from .models.dpl406_model_selector_ignored import ModelSelectorIgnored
from .models.dpl407_tool_call_to_upstream_id import ToolCallToUpstreamId
from .models.dpl488_customizable_llm_without_mode import CustomizableLLMWithoutMode
from .models.dpl489_hard_coded_model import HardCodedModel
from .models.dpl490_provider_id_rewritten import ProviderIdRewritten
from .packaging.dpl301_missing_file import MissingFile
from .packaging.dpl302_path_outside_plugin import PathOutsidePlugin
from .packaging.dpl303_source_class_count import SourceClassCount
from .packaging.dpl304_missing_icon import MissingIcon
from .packaging.dpl305_missing_assets_dir import MissingAssetsDir
from .packaging.dpl306_invalid_entrypoint import InvalidEntrypoint
from .packaging.dpl307_dependency_file import DependencyFile
from .packaging.dpl308_ignored_required_file import IgnoredRequiredFile
from .packaging.dpl309_model_glob_unmatched import ModelGlobUnmatched
from .packaging.dpl310_missing_readme import MissingReadme
from .packaging.dpl311_package_too_large import PackageTooLarge
from .packaging.dpl312_privacy_file_missing import PrivacyFileMissing
from .packaging.dpl313_unlisted_tool import UnlistedTool
from .packaging.dpl314_nested_plugin_packaged import NestedPluginPackaged
from .permissions.dpl601_missing_permission import MissingPermission
from .permissions.dpl602_unused_permission import UnusedPermission
from .permissions.dpl603_session_in_model_plugin import SessionInModelPlugin
from .results.dpl501_unsafe_chunk_content import UnsafeChunkContent
from .results.dpl502_streamed_result_misuse import StreamedResultMisuse
from .results.dpl503_unchecked_stream_mode import UncheckedStreamMode
from .results.dpl504_unchecked_optional_result_field import UncheckedOptionalResultField
from .results.dpl505_generator_never_iterated import GeneratorNeverIterated
from .results.dpl506_tts_result_as_bytes import TtsResultAsBytes
from .results.dpl507_speech2text_file_not_io import Speech2TextFileNotIo
from .results.dpl508_moderation_flag_inverted import ModerationFlagInverted
from .results.dpl509_session_call_after_response import SessionCallAfterResponse
from .results.dpl589_result_attribute_missing import ResultAttributeMissing
from .results.dpl590_endpoint_object_called import EndpointObjectCalled

#: every rule, in code order
RULES = [
    YamlSyntaxError,
    PythonSyntaxError,
    UnreadableFile,
    DuplicateKey,
    InternalError,
    ResourceLimit,
    UnusedSuppression,
    ManifestInvalid,
    ManifestUnknownKey,
    PluginCategoryConflict,
    MultipleProviders,
    MarketplaceMetadata,
    MarketplaceReadme,
    MarketplacePrivacyPolicy,
    BundleManifestInvalid,
    DeclarationInvalid,
    UnknownKey,
    InvalidScope,
    InvalidMultiple,
    DuplicateName,
    IgnoredCredentials,
    NonStringKey,
    MissingFile,
    PathOutsidePlugin,
    SourceClassCount,
    MissingIcon,
    MissingAssetsDir,
    InvalidEntrypoint,
    DependencyFile,
    IgnoredRequiredFile,
    ModelGlobUnmatched,
    MissingReadme,
    PackageTooLarge,
    PrivacyFileMissing,
    UnlistedTool,
    NestedPluginPackaged,
    ScopeMismatch,
    LlmConfigMissingMode,
    LlmConfigMissingCompletionParams,
    WrongModelConfig,
    SessionCallSignature,
    ModelSelectorIgnored,
    ToolCallToUpstreamId,
    CustomizableLLMWithoutMode,
    HardCodedModel,
    ProviderIdRewritten,
    UnsafeChunkContent,
    StreamedResultMisuse,
    UncheckedStreamMode,
    UncheckedOptionalResultField,
    GeneratorNeverIterated,
    TtsResultAsBytes,
    Speech2TextFileNotIo,
    ModerationFlagInverted,
    SessionCallAfterResponse,
    ResultAttributeMissing,
    EndpointObjectCalled,
    MissingPermission,
    UnusedPermission,
    SessionInModelPlugin,
    UndeclaredParameter,
    UndeclaredCredential,
    ParametersModelField,
    OptionalParameterIndexed,
    InvokeNotGenerator,
    InvokeYieldsNonMessage,
    DynamicSelectWithoutOptions,
    ValidateCredentialsMissing,
    OAuthMethodsMissing,
    SelectDefaultNotInOptions,
    UnreadParameter,
]
